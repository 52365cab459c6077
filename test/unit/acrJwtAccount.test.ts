import assert from 'node:assert/strict';
import { jwtAccountName } from '../../src/acr/jwt';

/** An unsigned JWT with these claims (jwtAccountName reads claims only; the signature is the server's business). */
function jwt(payload: unknown): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

const user = { preferred_username: 'ada@contoso.example', upn: 'ada.upn@contoso.example', unique_name: 'live.com#ada@contoso.example' };
const app = { appid: 'c11e0000-0000-4000-8000-000000000001', azp: 'c11e0000-0000-4000-8000-000000000002' };

describe('acr: account name from an Entra token', () => {
  const named: Array<[string, Record<string, unknown>, string]> = [
    ['preferred_username before every other claim', { ...user, ...app }, user.preferred_username],
    ['upn when there is no preferred_username', { upn: user.upn, unique_name: user.unique_name, ...app }, user.upn],
    ['unique_name when there is no preferred_username or upn', { unique_name: user.unique_name, ...app }, user.unique_name],
    ['appid for an application token (v1)', { ...app }, app.appid],
    ['azp for an application token (v2)', { azp: app.azp }, app.azp],
    ['the next claim when preferred_username is empty', { preferred_username: '', upn: user.upn }, user.upn],
    ['the next claim when preferred_username is not a string', { preferred_username: 42, upn: ['x'], unique_name: user.unique_name }, user.unique_name],
  ];
  for (const [name, claims, account] of named) {
    it(`reads ${name}`, () => {
      assert.equal(jwtAccountName(jwt({ exp: 1_800_000_000, ...claims })), account);
    });
  }

  const nameless: Array<[string, string]> = [
    ['a JWT with none of the name claims', jwt({ exp: 1_800_000_000, sub: 'subject', oid: 'object-id', name: 'Ada' })],
    ['a JWT whose name claims are all empty or not strings', jwt({ preferred_username: '', upn: null, unique_name: {}, appid: 7, azp: false })],
    ['a JWT whose payload is a JSON array', jwt([user.preferred_username])],
    ['a JWT whose payload is JSON null', jwt(null)],
    ['a JWT whose payload is a JSON string', jwt(user.preferred_username)],
    ['a payload that is not JSON', `aGVhZA.${Buffer.from('preferred_username').toString('base64url')}.c2ln`],
    ['an opaque token', 'not-a-jwt'],
    ['an empty string', ''],
    ['two parts', `${jwt(user).split('.').slice(0, 2).join('.')}`],
    ['four parts', `${jwt(user)}.extra`],
    ['an empty signature part', `${jwt(user).split('.').slice(0, 2).join('.')}.`],
    ['base64 padding and characters outside base64url', `${jwt(user).split('.')[0]}.${Buffer.from(JSON.stringify(user)).toString('base64')}=.c2ln`],
  ];
  for (const [name, token] of nameless) {
    it(`gives no name, and does not throw, for ${name}`, () => {
      assert.equal(jwtAccountName(token), undefined);
    });
  }
});
