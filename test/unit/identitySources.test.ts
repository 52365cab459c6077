import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzureCloud } from '../../src/azure/clouds';
import { knownClouds } from '../../src/azure/clouds';
import { createIdentityCredential, IdentitySource, IdentitySourceError, parseIdentitySource } from '../../src/auth/identitySources';

const tenant = '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001';
const clientId = 'c11e0000-0000-4000-8000-000000000002';
const publicCloud: AzureCloud = knownClouds[0];

function refusal(pattern: RegExp, ...mustNotContain: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof IdentitySourceError, `expected an IdentitySourceError, got ${String(error)}`);
    assert.match(error.message, pattern);
    for (const text of mustNotContain) assert.ok(!error.message.includes(text), `the message must not contain ${text}`);
    return true;
  };
}

describe('sign-in source descriptions', () => {
  const valid: IdentitySource[] = [
    { kind: 'deviceCode', tenant },
    { kind: 'deviceCode', tenant: 'organizations', clientId },
    { kind: 'interactiveBrowser', tenant: 'contoso.onmicrosoft.com' },
    { kind: 'azureCli' },
    { kind: 'azureCli', tenant },
    { kind: 'managedIdentity' },
    { kind: 'managedIdentity', clientId },
    { kind: 'clientSecret', tenant, clientId },
    { kind: 'clientCertificate', tenant, clientId, certificatePath: '/etc/acr/sp.pem' },
    { kind: 'workloadIdentity' },
    { kind: 'workloadIdentity', tenant, clientId, tokenFilePath: '/var/run/secrets/azure/tokens/azure-identity-token' },
  ];

  for (const source of valid) {
    it(`accepts ${JSON.stringify(source)} and it survives a JSON round trip unchanged`, () => {
      const parsed = parseIdentitySource(JSON.parse(JSON.stringify(source)));
      assert.deepEqual(parsed, source);
      assert.deepEqual(JSON.parse(JSON.stringify(parsed)), source);
    });
  }

  it('refuses something that is not an object, saying to choose the method again', () => {
    for (const value of [undefined, null, 'deviceCode', [], 42]) assert.throws(() => parseIdentitySource(value), refusal(/must be an object.*Choose the sign-in method again/));
  });

  it('refuses an unknown kind and lists the kinds there are', () => {
    assert.throws(() => parseIdentitySource({ kind: 'password' }), refusal(/unknown\. Use one of: deviceCode, interactiveBrowser, azureCli, managedIdentity, clientSecret, clientCertificate, workloadIdentity/));
    assert.throws(() => parseIdentitySource({}), refusal(/missing or unknown/));
  });

  it('refuses a tenant that is neither a GUID nor a domain, and says where to find the tenant ID', () => {
    for (const bad of ['7a1e0c52-4a51-4f0e-9a57-0c0ffee0000', '7a1e0c52_4a51_4f0e_9a57_0c0ffee00001', 'fabrikam', 'https://login.microsoftonline.com/contoso.com', 'contoso.com/', ' contoso.com']) {
      assert.throws(() => parseIdentitySource({ kind: 'clientSecret', tenant: bad, clientId }), refusal(/"tenant" of the clientSecret sign-in method is neither a GUID nor a domain name\. .*Microsoft Entra ID > Overview/, bad));
    }
  });

  it('refuses a client id that is not a GUID, and says where to find it', () => {
    for (const bad of ['c11e0000-0000-4000-8000-00000000000', 'my-app', 'contoso.com', 'c11e0000000040008000000000000002']) {
      assert.throws(() => parseIdentitySource({ kind: 'managedIdentity', clientId: bad }), refusal(/"clientId" of the managedIdentity sign-in method is not a GUID\. .*application \(client\) ID/, bad));
    }
  });

  it('refuses organizations and common for service principals, which sign in to one tenant', () => {
    for (const multi of ['organizations', 'common']) {
      assert.throws(() => parseIdentitySource({ kind: 'clientSecret', tenant: multi, clientId }), refusal(/cannot be "(organizations|common)": this method signs in to one tenant/));
    }
  });

  it('names each missing required field', () => {
    assert.throws(() => parseIdentitySource({ kind: 'clientSecret', clientId }), refusal(/The clientSecret sign-in method needs "tenant"/));
    assert.throws(() => parseIdentitySource({ kind: 'clientSecret', tenant }), refusal(/needs "clientId"/));
    assert.throws(() => parseIdentitySource({ kind: 'clientCertificate', tenant, clientId }), refusal(/needs "certificatePath"\. Enter the absolute path of a PEM file/));
    assert.throws(() => parseIdentitySource({ kind: 'deviceCode', tenant: '' }), refusal(/needs "tenant"/));
  });

  it('refuses a secret in the description without repeating it, pointing to secret storage', () => {
    for (const field of ['clientSecret', 'secret', 'password', 'token', 'accessToken', 'refreshToken', 'clientAssertion', 'privateKey']) {
      assert.throws(
        () => parseIdentitySource({ kind: 'clientSecret', tenant, clientId, [field]: 'Sup3r~Secret.Value' }),
        refusal(new RegExp(`must not hold a secret \\("${field}"\\)\\. Remove it; the secret is kept in VS Code's secret storage`), 'Sup3r~Secret.Value'),
      );
    }
  });

  it('refuses fields the method does not take, listing the ones it does', () => {
    assert.throws(() => parseIdentitySource({ kind: 'azureCli', clientId }), refusal(/"clientId" is not a field of the azureCli sign-in method \(it takes tenant \(optional\)\)/));
    assert.throws(() => parseIdentitySource({ kind: 'managedIdentity', tenant }), refusal(/"tenant" is not a field of the managedIdentity/));
  });

  it('refuses values that are not text and relative paths', () => {
    assert.throws(() => parseIdentitySource({ kind: 'deviceCode', tenant: 42 }), refusal(/"tenant" of the deviceCode sign-in method is not text/));
    assert.throws(() => parseIdentitySource({ kind: 'clientCertificate', tenant, clientId, certificatePath: 'certs/sp.pem' }), refusal(/"certificatePath" .* is not an absolute path/));
    assert.throws(() => parseIdentitySource({ kind: 'workloadIdentity', tokenFilePath: './token' }), refusal(/"tokenFilePath" .* is not an absolute path/));
  });
});

describe('making a credential from a description (checks that happen before any request)', () => {
  let dir: string;
  const workloadVariables = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE'];
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-identity-unit-'));
  });

  beforeEach(() => {
    for (const name of workloadVariables) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });

  afterEach(() => {
    for (const name of workloadVariables) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an invalid description with the same clear message as parsing', async () => {
    await assert.rejects(createIdentityCredential({ kind: 'clientSecret', tenant: 'nope', clientId }, publicCloud), refusal(/neither a GUID nor a domain name/));
  });

  it('a service principal with a secret needs getSecret to return one, and says to enter it again', async () => {
    const source: IdentitySource = { kind: 'clientSecret', tenant, clientId };
    const expected = refusal(new RegExp(`No client secret is stored for the service principal ${clientId}\\. Sign in with this service principal again and enter its secret`));
    await assert.rejects(createIdentityCredential(source, publicCloud), expected);
    await assert.rejects(createIdentityCredential(source, publicCloud, { getSecret: () => Promise.resolve(undefined) }), expected);
    await assert.rejects(createIdentityCredential(source, publicCloud, { getSecret: () => Promise.resolve('') }), expected);
  });

  it('makes a client secret credential with the secret from getSecret, leaving the description without it', async () => {
    const source: IdentitySource = { kind: 'clientSecret', tenant, clientId };
    const credential = await createIdentityCredential(source, publicCloud, { getSecret: () => Promise.resolve('from-secret-storage') });
    assert.equal(typeof credential.getToken, 'function');
    assert.ok(!JSON.stringify(source).includes('from-secret-storage'));
  });

  it('says when the certificate file does not exist', async () => {
    const certificatePath = join(dir, 'missing.pem');
    await assert.rejects(createIdentityCredential({ kind: 'clientCertificate', tenant, clientId, certificatePath }, publicCloud), refusal(/certificate file .*missing\.pem does not exist\. Check the path/));
  });

  it('says when the certificate file is not a PEM certificate, or has no private key', async () => {
    const notPem = join(dir, 'cert.pfx');
    await writeFile(notPem, Buffer.from([0x30, 0x82, 0x01, 0x00]));
    await assert.rejects(createIdentityCredential({ kind: 'clientCertificate', tenant, clientId, certificatePath: notPem }, publicCloud), refusal(/holds no PEM certificate\. Use a PEM file \(not PFX\)/));
    const certificateOnly = join(dir, 'cert-only.pem');
    await writeFile(certificateOnly, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await assert.rejects(createIdentityCredential({ kind: 'clientCertificate', tenant, clientId, certificatePath: certificateOnly }, publicCloud), refusal(/holds no private key/));
  });

  it('workload identity names the settings and environment variables that are missing', async () => {
    await assert.rejects(
      createIdentityCredential({ kind: 'workloadIdentity' }, publicCloud),
      refusal(/needs "tenant", "clientId", "tokenFilePath": .* set AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE in the environment/),
    );
    process.env.AZURE_TENANT_ID = tenant;
    await assert.rejects(createIdentityCredential({ kind: 'workloadIdentity', clientId }, publicCloud), refusal(/needs "tokenFilePath": .* set AZURE_FEDERATED_TOKEN_FILE in/));
  });

  it('workload identity checks values taken from the environment like typed ones', async () => {
    Object.assign(process.env, { AZURE_TENANT_ID: tenant, AZURE_CLIENT_ID: 'not-a-guid', AZURE_FEDERATED_TOKEN_FILE: join(dir, 'token') });
    await assert.rejects(createIdentityCredential({ kind: 'workloadIdentity' }, publicCloud), refusal(/"clientId" of the workloadIdentity sign-in method is not a GUID/));
  });

  it('workload identity says when the token file is missing or empty', async () => {
    const tokenFilePath = join(dir, 'federated-token');
    await assert.rejects(createIdentityCredential({ kind: 'workloadIdentity', tenant, clientId, tokenFilePath }, publicCloud), refusal(/federated token file .* does not exist/));
    await writeFile(tokenFilePath, '\n');
    await assert.rejects(createIdentityCredential({ kind: 'workloadIdentity', tenant, clientId, tokenFilePath }, publicCloud), refusal(/federated token file .* is empty/));
  });
});
