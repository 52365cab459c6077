import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TokenCredential } from '@azure/core-auth';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { AzureCloud, scopeFor } from '../../src/azure/clouds';
import { adviceFor } from '../../src/failures';
import { createIdentityCredential, DeviceCodePrompt, IdentitySource } from '../../src/auth/identitySources';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../world/browser';
import { RunningEmulator } from '../world/emulator';
import { eventually } from '../world/eventually';
import { clients, contoso, decodeClaims, devSubscription, emulatorCloud, exchange, kubeletClientId, useEmulator } from './emulatorSupport';

/**
 * Gets an Entra token from the credential and exchanges it at the login server (docs/protocol.md section 3),
 * checks the refresh token, and returns who the registry saw as the caller.
 */
async function signInToRegistry(emulator: RunningEmulator, credential: TokenCredential, registry: string): Promise<string | undefined> {
  const loginServer = emulator.loginServer(registry);
  const entra = await credential.getToken(`${emulator.acrAudience}/.default`);
  assert.ok(entra, 'the credential returned a token');
  assert.ok(entra.expiresOnTimestamp > Date.now(), 'the token is not expired');
  await emulator.client.clearLog();
  const response = await exchange(loginServer, entra.token);
  assert.equal(response.status, 200, `exchange at ${loginServer}: ${await response.clone().text()}`);
  const { refresh_token: refreshToken } = (await response.json()) as { refresh_token: string };
  const claims = decodeClaims(refreshToken);
  assert.equal(claims.aud, loginServer);
  assert.equal(claims.grant_type, 'refresh_token');
  const entry = (await emulator.client.log()).find((candidate) => candidate.path === '/oauth2/exchange');
  return entry?.caller;
}

describe('@azure/identity sign-in sources against the emulator, each ending in an ACR refresh token', () => {
  const emulator = useEmulator();
  let cloud: AzureCloud;
  const savedEnvironment = { ...process.env };

  before(() => {
    cloud = emulatorCloud(emulator());
  });

  afterEach(() => {
    for (const name of ['BROWSER', 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE']) {
      if (savedEnvironment[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnvironment[name];
    }
  });

  it('service principal with a secret from getSecret() reaches a refresh token as that principal', async () => {
    const source: IdentitySource = { kind: 'clientSecret', tenant: contoso, clientId: clients.pusher.clientId };
    let asked = 0;
    const credential = await createIdentityCredential(source, cloud, { getSecret: () => {
        asked++;
        return Promise.resolve('pusher-secret');
      },
    });
    assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'pusher');
    assert.equal(asked, 1);
  });

  it('a wrong client secret fails with Entra invalid_client and the error does not contain the secret', async () => {
    const source: IdentitySource = { kind: 'clientSecret', tenant: contoso, clientId: clients.pusher.clientId };
    const credential = await createIdentityCredential(source, cloud, { getSecret: () => Promise.resolve('not-the-pusher-secret') });
    await assert.rejects(credential.getToken(`${emulator().acrAudience}/.default`), (error: Error) => {
      assert.match(error.message, /invalid_client|7000215/);
      assert.doesNotMatch(`${error.message}\n${error.stack ?? ''}`, /not-the-pusher-secret/);
      return true;
    });
  });

  it('service principal with a PEM certificate reaches a refresh token as that principal', async () => {
    const certificatePath = emulator().identityFiles.puller?.certificatePath;
    assert.ok(certificatePath, 'the emulator made a certificate for puller');
    const credential = await createIdentityCredential({ kind: 'clientCertificate', tenant: contoso, clientId: clients.puller.clientId, certificatePath }, cloud);
    assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'puller');
  });

  it('workload identity from AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID reaches a refresh token', async () => {
    const tokenFilePath = emulator().identityFiles.kubelet?.federatedTokenPath;
    assert.ok(tokenFilePath, 'the emulator projected a token for kubelet');
    Object.assign(process.env, { AZURE_FEDERATED_TOKEN_FILE: tokenFilePath, AZURE_CLIENT_ID: kubeletClientId, AZURE_TENANT_ID: contoso });
    const credential = await createIdentityCredential({ kind: 'workloadIdentity' }, cloud);
    assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'kubelet');
  });

  it('workload identity with explicit tenant, client id and token file reaches a refresh token', async () => {
    const tokenFilePath = emulator().identityFiles.kubelet?.federatedTokenPath;
    assert.ok(tokenFilePath);
    const credential = await createIdentityCredential({ kind: 'workloadIdentity', tenant: contoso, clientId: kubeletClientId, tokenFilePath }, cloud);
    assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'kubelet');
  });

  it('system-assigned managed identity gets its token from IMDS and reaches a refresh token', async () => {
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = emulator().env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    const credential = await createIdentityCredential({ kind: 'managedIdentity' }, cloud);
    await emulator().client.clearLog();
    const entra = await credential.getToken(`${emulator().acrAudience}/.default`);
    assert.ok(entra);
    const imdsCalls = (await emulator().client.log()).filter((entry) => entry.server === 'imds');
    assert.deepEqual(imdsCalls.map((entry) => entry.caller), ['vm']);
    assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'vm');
  });

  it('user-assigned managed identity by client id reaches a refresh token as that identity', async () => {
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = emulator().env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    const credential = await createIdentityCredential({ kind: 'managedIdentity', clientId: kubeletClientId }, cloud);
    assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'kubelet');
  });

  it('device code: the callback gets the code and page, and once the user approves it the user reaches a refresh token', async () => {
    const prompts: DeviceCodePrompt[] = [];
    const credential = await createIdentityCredential({ kind: 'deviceCode', tenant: contoso }, cloud, {
      showDeviceCode: (prompt) => {
        prompts.push(prompt);
        emulator().client.approveDeviceCode(prompt.userCode, 'alice').catch((error: unknown) => prompts.push({ userCode: '', verificationUri: '', message: String(error) }));
      },
    });
    assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'alice');
    assert.equal(prompts.length, 1, JSON.stringify(prompts));
    assert.equal(prompts[0].verificationUri, emulator().entra.deviceLoginUrl);
    assert.ok(prompts[0].message.includes(prompts[0].userCode), 'the message names the code');
  });

  it('asks the emulator authority (a custom cloud) for OIDC metadata and tokens, without instance discovery', async () => {
    await emulator().client.clearLog();
    const credential = await createIdentityCredential({ kind: 'clientSecret', tenant: contoso, clientId: clients.pusher.clientId }, cloud, { getSecret: () => Promise.resolve('pusher-secret') });
    await credential.getToken(`${emulator().acrAudience}/.default`);
    const entraPaths = (await emulator().client.log()).filter((entry) => entry.server === 'entra').map((entry) => `${entry.method} ${entry.path}`);
    assert.deepEqual(entraPaths, [`GET /${contoso}/v2.0/.well-known/openid-configuration`, `POST /${contoso}/oauth2/v2.0/token`]);
  });

  describe('Entra throttling or busy (429, 503 with Retry-After), met by a service principal sign-in through the token client', () => {
    const tokenPath = `/${contoso}/oauth2/v2.0/token`;
    const signIn = async (): Promise<unknown> => {
      const credential = await createIdentityCredential({ kind: 'clientSecret', tenant: contoso, clientId: clients.pusher.clientId }, cloud, { getSecret: () => Promise.resolve('pusher-secret') });
      // The product's own bounds: a token request is given 30 s.
      const client = new AcrTokenClient({ credential, trust: { cloud, armLoginServers: emulator().registries.map((registry) => registry.loginServer) } });
      return client.refreshToken({ loginServer: emulator().loginServer('contosoapps') }, { signal: new AbortController().signal }).then(() => undefined, (error: unknown) => error);
    };
    const tokenRequests = async (): Promise<number> => (await emulator().client.log()).filter((entry) => entry.server === 'entra' && entry.path === tokenPath).length;

    beforeEach(async () => emulator().client.clearLog());
    afterEach(async () => emulator().client.clearFaults());

    for (const status of [429, 503]) {
      it(`a ${status} asking to wait 120 s is advised at once as Entra unavailable for now, not waited on until the sign-in times out`, async () => {
        await emulator().client.addFault({ server: 'entra', path: `${tokenPath}$`, mode: 'status', status, retryAfter: 120 });
        const advice = adviceFor(await signIn());
        assert.equal(advice.kind, 'azure.entraUnavailable', advice.message);
        assert.equal(advice.needsUser, false);
        // A 503 without the wait it asked for is still retried by the SDK, with its own short backoff; a 429 is not.
        assert.equal(await tokenRequests(), status === 429 ? 1 : 4);
      });
    }

    it('a 429 asking to wait 1 s is waited out, and the sign-in then succeeds', async () => {
      await emulator().client.addFault({ server: 'entra', path: `${tokenPath}$`, mode: 'status', status: 429, retryAfter: 1, times: 1 });
      assert.equal(await signIn(), undefined);
      assert.equal(await tokenRequests(), 2);
    });
  });

  describe('Azure CLI (Debian azure-cli 2.45) signed in to the emulator as a registered custom cloud', () => {
    let configDir: string;
    const azEnvironment = (): NodeJS.ProcessEnv => ({
      ...process.env,
      AZURE_CONFIG_DIR: configDir,
      // az is Python: requests trusts only this bundle, so the emulator's CA is all it needs here.
      REQUESTS_CA_BUNDLE: emulator().caPath,
      AZURE_CORE_COLLECT_TELEMETRY: 'false',
      AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
    });
    const az = async (...args: string[]): Promise<string> => {
      try {
        return (await promisify(execFile)('az', args, { env: azEnvironment(), timeout: 120_000 })).stdout;
      } catch (error) {
        const { stderr = '' } = error as { stderr?: string };
        const errors = stderr.split('\n').filter((line) => line.startsWith('ERROR:'));
        throw new Error(`az ${args.slice(0, 2).join(' ')} failed:\n${errors.length ? errors.join('\n') : stderr}`);
      }
    };

    before(async () => {
      configDir = await mkdtemp(join(tmpdir(), 'acr-az-config-'));
      // az 2.45 (MSAL Python 1.21) asks login.microsoftonline.com to validate any other authority host,
      // except an AD FS one; so the emulator is registered the way an Azure Stack Hub AD FS cloud is.
      await az(
        'cloud', 'register', '--name', 'AcrEmulator',
        '--endpoint-active-directory', `${emulator().entra.authorityHost}/adfs`,
        '--endpoint-resource-manager', emulator().arm.endpoint,
        '--endpoint-active-directory-resource-id', emulator().arm.audience,
        '--endpoint-active-directory-graph-resource-id', 'https://graph.windows.net/',
        '--endpoint-management', emulator().arm.audience,
        '--suffix-acr-login-server-endpoint', '.azurecr.localhost',
      );
      await az('cloud', 'set', '--name', 'AcrEmulator');
      // az reads "@file" arguments from the file, so the secret never appears in a command line.
      const secretFile = join(configDir, 'pusher-secret');
      await writeFile(secretFile, 'pusher-secret', { mode: 0o600 });
      await az('login', '--service-principal', '--username', clients.pusher.clientId, '--password', `@${secretFile}`, '--tenant', contoso);
    });

    afterEach(() => {
      for (const name of ['AZURE_CONFIG_DIR', 'REQUESTS_CA_BUNDLE']) {
        if (savedEnvironment[name] === undefined) delete process.env[name];
        else process.env[name] = savedEnvironment[name];
      }
    });

    after(async () => {
      if (configDir) await rm(configDir, { recursive: true, force: true });
    });

    it('az is signed in to the emulator cloud with the Contoso Dev subscription', async () => {
      const account = JSON.parse(await az('account', 'show', '--output', 'json')) as { id: string; tenantId: string; environmentName: string };
      assert.deepEqual([account.id, account.tenantId, account.environmentName], [devSubscription, contoso, 'AcrEmulator']);
    });

    it('the Azure CLI source gets an ACR-audience token from az and reaches a refresh token as the signed-in principal', async () => {
      Object.assign(process.env, { AZURE_CONFIG_DIR: configDir, REQUESTS_CA_BUNDLE: emulator().caPath });
      const credential = await createIdentityCredential({ kind: 'azureCli', tenant: contoso }, cloud);
      assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'pusher');
    });

    it('the Azure CLI source without a tenant uses the current az account', async () => {
      Object.assign(process.env, { AZURE_CONFIG_DIR: configDir, REQUESTS_CA_BUNDLE: emulator().caPath });
      const credential = await createIdentityCredential({ kind: 'azureCli' }, cloud);
      assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'pusher');
    });
  });

  describe('interactive browser, with headless Chromium standing in for the user browser', () => {
    let browser: Browser;

    before(async () => {
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
    });

    /** What the user does on the emulator's sign-in page: pick Alice and sign in. */
    async function signInAsAlice(url: string): Promise<Page> {
      // The user's browser would trust the emulator's CA; this throw-away profile is told to accept it.
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(url);
      await page.getByRole('combobox').selectOption({ label: 'Alice Example (alice@contoso.example)' });
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    }

    it('opens the sign-in page through the openBrowser callback; once the user signs in there, the user reaches a refresh token', async () => {
      const opened: string[] = [];
      let page: Page | undefined;
      const credential = await createIdentityCredential({ kind: 'interactiveBrowser', tenant: contoso }, cloud, {
        openBrowser: async (url) => {
          opened.push(url);
          page = await signInAsAlice(url);
        },
      });
      assert.equal(await signInToRegistry(emulator(), credential, 'contosoapps'), 'alice');
      const authorize = new URL(opened[0]);
      assert.equal(`${authorize.origin}${authorize.pathname}`, `${cloud.authorityHost}/${contoso}/oauth2/v2.0/authorize`);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/localhost:\d+\/?$/);
      assert.ok(page, 'the page was opened');
      await page.getByText('Signed in. You can close this page and return to VS Code.').waitFor();
      await page.context().close();

      const armToken = await credential.getToken(scopeFor(cloud.armAudience));
      assert.ok(armToken, 'a second token comes from the same sign-in');
      assert.equal(opened.length, 1, 'the browser opened once: the second token came without asking the user again');
    });

    it('cancelling (abortSignal) while the sign-in page is open rejects with AbortError and closes the loopback port', async () => {
      const controller = new AbortController();
      let redirectUri = '';
      const credential = await createIdentityCredential({ kind: 'interactiveBrowser', tenant: contoso }, cloud, {
        openBrowser: (url) => {
          redirectUri = new URL(url).searchParams.get('redirect_uri') ?? '';
          setTimeout(() => controller.abort(), 200);
          return Promise.resolve();
        },
      });
      await assert.rejects(credential.getToken(`${emulator().acrAudience}/.default`, { abortSignal: controller.signal }), { name: 'AbortError', message: 'Sign-in was cancelled.' });
      assert.match(redirectUri, /^http:\/\/localhost:\d+/);
      await assert.rejects(fetch(redirectUri), 'nothing listens on the loopback port any more');
    });

    it('without an openBrowser callback, @azure/identity opens the system browser (BROWSER) and the user reaches a refresh token', async () => {
      const scratch = await mkdtemp(join(tmpdir(), 'acr-browser-'));
      let url = '';
      let settled = false;
      try {
        const urlFile = join(scratch, 'opened-url');
        const fakeSystemBrowser = join(scratch, 'browser.sh');
        await writeFile(fakeSystemBrowser, `#!/bin/sh\nprintf '%s' "$1" > '${urlFile}'\n`);
        await chmod(fakeSystemBrowser, 0o700);
        process.env.BROWSER = fakeSystemBrowser;
        const credential = await createIdentityCredential({ kind: 'interactiveBrowser', tenant: contoso }, cloud);
        const signedIn = signInToRegistry(emulator(), credential, 'contosoapps').finally(() => (settled = true));
        // The script's redirection makes the file before printf fills it: only a URL counts.
        url = await eventually('the sign-in opening the browser', () => readFile(urlFile, 'utf8').then((text) => text || undefined, () => undefined), 20_000, 100);
        assert.ok(url.startsWith(`${cloud.authorityHost}/${contoso}/oauth2/v2.0/authorize?`), url.slice(0, 200));
        const page = await signInAsAlice(url);
        assert.equal(await signedIn, 'alice');
        await page.context().close();
      } finally {
        // A sign-in left waiting would keep its loopback server (and this process) alive: come back with an error.
        const redirectUri = url && new URL(url).searchParams.get('redirect_uri');
        if (!settled && redirectUri) await fetch(`${redirectUri}?error=access_denied&state=${new URL(url).searchParams.get('state') ?? ''}`).catch(() => undefined);
        await rm(scratch, { recursive: true, force: true });
      }
    });
  });
});
