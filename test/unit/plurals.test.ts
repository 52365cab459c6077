// Counts in messages: "1 token", not "1 tokens". Each form is its own localized string, chosen by the count.
import assert from 'node:assert/strict';
import { accessTokenGuide } from '../../src/acr/accessTokenGuide';
import { accessTokenClaims } from '../../src/acr/jwt';
import { describeLimits, registryLimits } from '../../src/azure/tokenRules';
import { freshPasswordResultMessage } from '../../src/credentials/freshPassword';

describe('plurals: one and other, by count', () => {
  it("a registry's token and scope map counts", () => {
    const limits = registryLimits('Basic')!;
    assert.match(describeLimits(limits, { tokens: 1, scopeMaps: 1 }), / This one has 1 token and 1 scope map\.$/);
    assert.match(describeLimits(limits, { tokens: 0, scopeMaps: 2 }), / This one has 0 tokens and 2 scope maps\.$/);
  });

  it('attempts at a new password', () => {
    assert.match(freshPasswordResultMessage({ kind: 'notYet', attempts: 1 }), /after 1 attempt\. /);
    assert.match(freshPasswordResultMessage({ kind: 'notYet', attempts: 4 }), /after 4 attempts\. /);
  });

  it("an access token's lifetime in minutes", () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const guide = (minutes: number) => {
      const claims = accessTokenClaims(`${part({ alg: 'RS256' })}.${part({ iat: 1_700_000_000, exp: 1_700_000_000 + minutes * 60, access: [] })}.c2ln`);
      return accessTokenGuide({ loginServer: 'contosoapps.azurecr.io', requested: { repositories: [], actions: [] }, claims, formatTime: () => 'noon', shell: 'posix' });
    };
    assert.match(guide(1), /it works for 1 minute, until noon/);
    assert.match(guide(75), /it works for 75 minutes, until noon/);
  });
});
