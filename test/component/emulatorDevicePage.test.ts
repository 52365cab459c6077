import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { launchChromium } from '../world/browser';
import { acrScope, contoso, decodeClaims, postForm, useEmulator } from './emulatorSupport';

const alice = { name: 'alice', objectId: '0b1d0000-0000-4000-8000-000000000007' };
// A public client id and the scopes @azure/identity's device code flow asks for.
const clientId = 'aebc6443-996d-45c2-90f0-388ff96faa56';
const scope = `${acrScope} offline_access openid profile`;
const screenshot = join(__dirname, '..', '..', 'artifacts', 'emulator', 'device-page.png');

interface DeviceCodeAnswer {
  user_code: string;
  device_code: string;
  verification_uri: string;
}

interface PageForm {
  action: URL;
  method: string;
  codeField: string;
  accountField: string;
  accounts: string[];
}

/** The approval form as a browser sees it: where it posts and which fields it has. */
function formOf(html: string, pageUrl: string): PageForm {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/.exec(html);
  assert.ok(form, `no form on the page:\n${html}`);
  const attribute = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
  const select = /<select\b([^>]*)>([\s\S]*?)<\/select>/.exec(form[2]);
  const input = /<input\b[^>]*>/.exec(form[2]);
  assert.ok(select && input, 'the form has a code field and an account list');
  return {
    action: new URL(attribute(form[1], 'action') ?? '', pageUrl),
    method: (attribute(form[1], 'method') ?? 'get').toUpperCase(),
    codeField: attribute(input[0], 'name') ?? '',
    accountField: attribute(select[1], 'name') ?? '',
    accounts: [...select[2].matchAll(/<option\b[^>]*value="([^"]*)"/g)].map((option) => option[1]),
  };
}

describe('emulator: the device-code approval page at <authority>/device', () => {
  const emulator = useEmulator();

  const startDeviceCode = async (): Promise<DeviceCodeAnswer> => {
    const response = await postForm(`${emulator().entra.authorityHost}/${contoso}/oauth2/v2.0/devicecode`, { client_id: clientId, scope });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as DeviceCodeAnswer;
  };

  const poll = async (deviceCode: string): Promise<{ status: number; body: Record<string, string> }> => {
    const response = await postForm(`${emulator().entra.authorityHost}/${contoso}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: clientId,
      device_code: deviceCode,
      scope,
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  const submit = async (form: PageForm, fields: Record<string, string>): Promise<Response> => {
    assert.equal(form.method, 'POST');
    return postForm(form.action.href, fields);
  };

  it('approves a device code through its own form, after which the polling client gets tokens for the user', async () => {
    const started = await startDeviceCode();
    assert.equal(started.verification_uri, `${emulator().entra.authorityHost}/device`);
    const pending = await poll(started.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');

    const page = await fetch(started.verification_uri);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const form = formOf(await page.text(), started.verification_uri);
    assert.ok(form.accounts.includes(alice.name), `the page offers ${form.accounts.join(', ')}`);

    // Typed in lower case with spaces around it, as people do.
    const approved = await submit(form, { [form.codeField]: ` ${started.user_code.toLowerCase()} `, [form.accountField]: alice.name });
    assert.equal(approved.status, 200);
    assert.match(await approved.text(), /Signed in\. You can close this page/);

    const tokens = await poll(started.device_code);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body.error));
    assert.equal(decodeClaims(tokens.body.access_token).oid, alice.objectId);
    assert.equal(decodeClaims(tokens.body.access_token).aud, 'https://containerregistry.azure.net');
    assert.ok(tokens.body.refresh_token);
    assert.deepEqual(await emulator().client.pendingDeviceCodes(), []);
  });

  it('answers a wrong code with an error page that says what to do, and leaves the real code pending', async () => {
    const started = await startDeviceCode();
    const form = formOf(await (await fetch(started.verification_uri)).text(), started.verification_uri);
    const refused = await submit(form, { [form.codeField]: 'NOTACODE', [form.accountField]: alice.name });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /class="error">No sign-in is waiting for the code &quot;NOTACODE&quot;\. Check the code the application shows and enter it again/);
    assert.equal((await poll(started.device_code)).body.error, 'authorization_pending');
    assert.deepEqual(await emulator().client.pendingDeviceCodes(), [started.user_code]);
  });

  it('is usable in headless Chromium: type the code, pick the account, sign in (screenshot in artifacts/emulator)', async () => {
    const started = await startDeviceCode();
    // Chromium does not read NODE_EXTRA_CA_CERTS: it accepts exactly the emulator's key and nothing else.
    const browser = await launchChromium([`--ignore-certificate-errors-spki-list=${await serverKeyHash(new URL(started.verification_uri))}`]);
    try {
      const page = await browser.newPage();
      await page.goto(started.verification_uri);
      await page.getByLabel('Code').fill(started.user_code);
      await page.getByLabel('Account').selectOption(alice.name);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.ok').waitFor();
      await mkdir(join(screenshot, '..'), { recursive: true });
      await page.screenshot({ path: screenshot });
    } finally {
      await browser.close();
    }
    assert.equal((await poll(started.device_code)).status, 200);
  });
});

/** Base64 SHA-256 of the server's public key, as Chromium's --ignore-certificate-errors-spki-list takes it. */
function serverKeyHash(url: URL): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
      const key = socket.getPeerX509Certificate()?.publicKey.export({ type: 'spki', format: 'der' });
      socket.end();
      if (key) resolve(createHash('sha256').update(key).digest('base64'));
      else reject(new Error(`no certificate from ${url.host}`));
    });
    socket.once('error', reject);
  });
}
