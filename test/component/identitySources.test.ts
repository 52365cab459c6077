import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TokenCredential } from '@azure/core-auth';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { AzureCloud } from '../../src/azure/clouds';
import { adviceFor } from '../../src/failures';
import { createIdentityCredential, IdentitySource } from '../../src/auth/identitySources';
import { RunningEmulator } from '../world/emulator';
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
});
