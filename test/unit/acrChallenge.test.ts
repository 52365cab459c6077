import assert from 'node:assert/strict';
import { ChallengeError, parseBearerChallenge, parseChallenges } from '../../src/acr/challenge';

describe('acr: WWW-Authenticate challenge parse', () => {
  const realm = 'https://contosoapps.azurecr.io/oauth2/token';
  const service = 'contosoapps.azurecr.io';

  const valid: Array<[string, string, { realm: string; service: string; scope?: string }]> = [
    ['quoted values, as ACR sends them', `Bearer realm="${realm}",service="${service}"`, { realm, service }],
    ['a scope with a comma inside quotes', `Bearer realm="${realm}",service="${service}",scope="repository:hello:pull,push"`, { realm, service, scope: 'repository:hello:pull,push' }],
    ['unquoted values', `Bearer realm=${realm},service=${service}`, { realm, service }],
    ['unquoted host:port values', 'Bearer realm=https://127.0.0.1:5000/oauth2/token,service=127.0.0.1:5000', { realm: 'https://127.0.0.1:5000/oauth2/token', service: '127.0.0.1:5000' }],
    ['escaped quotes and backslashes in a quoted value', `Bearer realm="${realm}",service="${service}",scope="a\\"b\\\\c"`, { realm, service, scope: 'a"b\\c' }],
    ['spaces around = and after commas', `Bearer realm = "${realm}" ,  service= "${service}"`, { realm, service }],
    ['case-insensitive scheme and parameter names', `bEARER Realm="${realm}",SERVICE="${service}"`, { realm, service }],
    ['a Basic challenge before the Bearer one', `Basic realm="Registry Realm", Bearer realm="${realm}",service="${service}"`, { realm, service }],
    ['a Bearer challenge before a Basic one', `Bearer realm="${realm}",service="${service}", Basic realm="x"`, { realm, service }],
    ['a token68 challenge before the Bearer one', `Negotiate abc+/def==, Bearer realm="${realm}",service="${service}"`, { realm, service }],
    ['a space inside a quoted scope (several scopes)', `Bearer realm="${realm}",service="${service}",scope="repository:a:pull repository:b:pull"`, { realm, service, scope: 'repository:a:pull repository:b:pull' }],
  ];
  for (const [name, header, expected] of valid) {
    it(`reads realm, service and scope with ${name}`, () => {
      assert.deepEqual(parseBearerChallenge(header), expected);
    });
  }

  it('keeps every challenge and parameter of a header with several challenges', () => {
    const challenges = parseChallenges('Basic realm="a, b", Bearer realm="r",service="s", Negotiate dG9rZW4=');
    assert.deepEqual(
      challenges.map((challenge) => [challenge.scheme, Object.fromEntries(challenge.params), challenge.token68]),
      [
        ['basic', { realm: 'a, b' }, undefined],
        ['bearer', { realm: 'r', service: 's' }, undefined],
        ['negotiate', {}, 'dG9rZW4='],
      ],
    );
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['an empty header', '', /empty/],
    ['an unclosed quote', `Bearer realm="${realm},service="x`, /not closed|malformed/],
    ['a parameter without a value', 'Bearer service="s",realm=', /expected a value for realm/],
    ['an empty value where a token68 would be ambiguous', 'Bearer realm=,service="s"', /malformed at character/],
    ['a parameter twice', `Bearer realm="${realm}",realm="${realm}",service="s"`, /appears twice/],
    ['garbage after a quoted value', `Bearer realm="${realm}"x,service="s"`, /comma/],
    ['only a Basic challenge', 'Basic realm="Registry"', /basic authentication, not a Bearer token/],
    ['no realm', `Bearer service="${service}"`, /no realm/],
    ['no service', `Bearer realm="${realm}"`, /no service/],
    ['a realm that is not a URL', `Bearer realm="/oauth2/token",service="${service}"`, /not an absolute URL/],
    ['a header that starts with a comma-less parameter list', '="x"', /scheme/],
  ];
  for (const [name, header, message] of invalid) {
    it(`refuses ${name} with a clear error`, () => {
      assert.throws(() => parseBearerChallenge(header), (error: unknown) => error instanceof ChallengeError && message.test(error.message));
    });
  }
});
