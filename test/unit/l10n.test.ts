import * as l10n from '@vscode/l10n';
import assert from 'node:assert/strict';
import { AcrError } from '../../src/acr/errors';

describe('l10n: messages of the plain-TypeScript modules', () => {
  const registry = 'contosoapps.azurecr.io';

  afterEach(() => l10n.config({ contents: {} }));

  it('an AcrError takes its message from the configured bundle, with the registry filled in', () => {
    l10n.config({
      contents: {
        'Registry {0} is throttling requests (too many requests). Wait a minute, then try again.': 'Die Registry {0} drosselt Anfragen. Warten Sie eine Minute.',
        'Correlation id: {0}.': 'Korrelations-ID: {0}.',
      },
    });

    const error = new AcrError('throttled', registry, { correlationId: 'c0ffee' });

    assert.equal(error.message, `Die Registry ${registry} drosselt Anfragen. Warten Sie eine Minute. Korrelations-ID: c0ffee.`);
  });

  it('without a bundle the message is the English text with the registry filled in', () => {
    const error = new AcrError('throttled', registry);

    assert.equal(error.message, `Registry ${registry} is throttling requests (too many requests). Wait a minute, then try again.`);
  });
});
