import assert from 'node:assert/strict';
import { JwtError, jwtExpiresOn } from '../../src/acr/jwt';

function jwt(payload: unknown): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('acr: JWT exp parse', () => {
  it('reads exp (seconds) as milliseconds since the epoch', () => {
    assert.equal(jwtExpiresOn(jwt({ exp: 1_700_000_000, iat: 1_699_995_500 })), 1_700_000_000_000);
  });

  it('reads exp from a payload whose base64url needs no padding and has - and _', () => {
    const token = jwt({ exp: 1_800_000_000, note: '>>>???' });
    assert.match(token.split('.')[1], /[-_]/);
    assert.equal(jwtExpiresOn(token), 1_800_000_000_000);
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['two parts', 'abc.def', /three base64url parts/],
    ['four parts', 'a.b.c.d', /three base64url parts/],
    ['an empty part', `${jwt({ exp: 1 }).split('.')[0]}..sig`, /three base64url parts/],
    ['characters outside base64url', 'a+b.c/d.e=f', /three base64url parts/],
    ['a payload that is not JSON', `aGVhZA.${Buffer.from('not json').toString('base64url')}.c2ln`, /not JSON/],
    ['a payload that is a JSON array', jwt([1, 2]), /not a JSON object/],
    ['no exp', jwt({ iat: 1 }), /no numeric exp/],
    ['a string exp', jwt({ exp: '1700000000' }), /no numeric exp/],
    ['a zero exp', jwt({ exp: 0 }), /no numeric exp/],
  ];
  for (const [name, token, message] of malformed) {
    it(`refuses a token with ${name}, without quoting the token`, () => {
      assert.throws(
        () => jwtExpiresOn(token),
        (error: unknown) => error instanceof JwtError && message.test(error.message) && !error.message.includes(token),
      );
    });
  }
});
