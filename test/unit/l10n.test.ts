import * as l10n from '@vscode/l10n';
import assert from 'node:assert/strict';
import { AcrError } from '../../src/acr/errors';
import { registryNameProblem } from '../../src/acr/loginServer';
import { serverAddressProblem } from '../../src/docker/references';

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

  it('what the login server and registry name boxes say about a typed value comes from the bundle too', () => {
    l10n.config({
      contents: {
        'it must not contain a user name': 'er darf keinen Benutzernamen enthalten',
        'a registry name has 5 to 50 characters; "{0}" has {1}': 'ein Registryname hat 5 bis 50 Zeichen; "{0}" hat {1}',
      },
    });

    assert.equal(serverAddressProblem('me@contosoapps.azurecr.io'), 'er darf keinen Benutzernamen enthalten');
    assert.equal(registryNameProblem('abc'), 'ein Registryname hat 5 bis 50 Zeichen; "abc" hat 3');
  });
});
