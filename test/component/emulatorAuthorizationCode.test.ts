import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { acrScope, contoso, decodeClaims, postForm, useEmulator } from './emulatorSupport';

const alice = { name: 'alice', objectId: '0b1d0000-0000-4000-8000-000000000007', option: 'Alice Example (alice@contoso.example)' };
// The Azure CLI's public client id, which @azure/identity signs people in with by default.
const clientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const redirectUri = 'http://localhost:49152';
const scope = `${acrScope} openid profile offline_access`;

interface Pkce {
  verifier: string;
  challenge: string;
}

function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('emulator: browser sign-in with authorization code and PKCE, as @azure/msal-node does it', () => {
  const emulator = useEmulator();

  /** The authorize URL msal-node opens in the browser. */
  const authorizeUrl = (pkce: Pkce, overrides: Record<string, string> = {}): string => {
    const url = new URL(`${emulator().entra.authorityHost}/${contoso}/oauth2/v2.0/authorize`);
    url.search = new URLSearchParams({
      client_id: clientId,
      scope,
      redirect_uri: redirectUri,
      response_type: 'code',
      response_mode: 'query',
      state: 'state-123',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      prompt: 'select_account',
      client_info: '1',
      ...overrides,
    }).toString();
    return url.href;
  };

  /** Opens the sign-in page, picks the account by its label and submits, as a person in a browser would. */
  const signIn = async (url: string, accountLabel: string): Promise<Response> => {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    const form = /<form\b[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    assert.ok(form, `no sign-in form on the page:\n${html}`);
    const selects = [...form[2].matchAll(/<select\b[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)];
    assert.equal(selects.length, 1, 'one account list');
    assert.match(form[2], /<button type="submit">Sign in<\/button>/);
    const options = [...selects[0][2].matchAll(/<option\b[^>]*value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map(([, value, label]) => ({ value, label }));
    const chosen = options.find((option) => option.label === accountLabel);
    assert.ok(chosen, `the page offers ${options.map((option) => option.label).join(', ')}`);
    const action = new URL(form[1].replaceAll('&amp;', '&'), url);
    return fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ [selects[0][1]]: chosen.value }),
    });
  };

  /** Signs Alice in and returns the code from the redirect back to the loopback URI. */
  const codeForAlice = async (pkce: Pkce): Promise<string> => {
    const submitted = await signIn(authorizeUrl(pkce), alice.option);
    assert.equal(submitted.status, 302);
    const location = new URL(submitted.headers.get('location') ?? '');
    assert.equal(location.origin, redirectUri);
    assert.equal(location.searchParams.get('state'), 'state-123');
    const code = location.searchParams.get('code');
    assert.ok(code, `a code in ${location.href}`);
    return code;
  };

  const redeem = async (code: string, verifier: string): Promise<{ status: number; body: Record<string, string> }> => {
    const response = await postForm(`${emulator().entra.authorityHost}/${contoso}/oauth2/v2.0/token`, {
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope,
      client_info: '1',
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  it('the user picks an account, the browser returns to the loopback URI with a code, and the code with its verifier gets the user access, refresh and id tokens', async () => {
    const pkce = newPkce();
    const tokens = await redeem(await codeForAlice(pkce), pkce.verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const access = decodeClaims(tokens.body.access_token);
    assert.deepEqual([access.oid, access.aud, access.tid, access.azp], [alice.objectId, 'https://containerregistry.azure.net', contoso, clientId]);
    const id = decodeClaims(tokens.body.id_token);
    assert.deepEqual([id.aud, id.oid, id.preferred_username], [clientId, alice.objectId, 'alice@contoso.example']);
    assert.deepEqual(JSON.parse(Buffer.from(tokens.body.client_info, 'base64url').toString()), { uid: alice.objectId, utid: contoso });
    assert.ok(tokens.body.refresh_token, 'a refresh token');
  });

  it('refuses a code_verifier that does not match the code_challenge with invalid_grant', async () => {
    const pkce = newPkce();
    const refused = await redeem(await codeForAlice(pkce), newPkce().verifier);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(refused.body.error_description, /^AADSTS501481: The Code_Verifier does not match the code_challenge/);
    assert.equal(refused.body.access_token, undefined);
  });

  it('a code works once: redeeming it again is refused with invalid_grant', async () => {
    const pkce = newPkce();
    const code = await codeForAlice(pkce);
    assert.equal((await redeem(code, pkce.verifier)).status, 200);
    const again = await redeem(code, pkce.verifier);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    assert.match(again.body.error_description, /^AADSTS54005: OAuth2 Authorization code was already redeemed/);
  });

  for (const badRedirect of ['https://evil.example/callback', 'http://localhost.evil.example:49152', 'http://127.0.0.1.evil.example/', 'http://localhost@evil.example:49152']) {
    it(`refuses the non-loopback redirect URI ${badRedirect} with an error page, never redirecting there`, async () => {
      const url = authorizeUrl(newPkce(), { redirect_uri: badRedirect });
      for (const method of ['GET', 'POST']) {
        const response = await fetch(url, { method, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: method === 'POST' ? `identity=${alice.name}` : undefined });
        assert.equal(response.status, 400, method);
        assert.equal(response.headers.get('location'), null, method);
        const html = await response.text();
        assert.ok(html.includes(`AADSTS50011: The redirect URI &#39;${badRedirect}&#39; specified in the request does not match`), html);
        assert.match(html, /Use a loopback redirect URI such as http:\/\/localhost:&lt;port&gt;/);
        assert.doesNotMatch(html, /<select/, 'no account picker');
      }
    });
  }
});
