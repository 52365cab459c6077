import assert from 'node:assert/strict';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ContainerRegistryClient } from '@azure/container-registry';
import { ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential, ManagedIdentityCredential, TokenCredential, WorkloadIdentityCredential } from '@azure/identity';
import { eventually } from '../world/eventually';
import { acrScope, armScope, basic, clients, contoso, decodeClaims, devSubscription, useEmulator } from './emulatorSupport';

describe('emulator: real Azure SDK clients', () => {
  const emulator = useEmulator();
  const options = (): { authorityHost: string; disableInstanceDiscovery: true } => ({ authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });

  describe('@azure/identity credentials get tokens from the emulated Entra ID', () => {
    const tokenFor = async (credential: TokenCredential, scope = acrScope): Promise<Record<string, unknown>> => {
      const token = await credential.getToken(scope);
      assert.ok(token, 'a token');
      return decodeClaims(token.token);
    };

    it('client secret', async () => {
      const claims = await tokenFor(new ClientSecretCredential(contoso, clients.puller.clientId, clients.puller.secret, options()));
      assert.equal(claims.oid, '0b1d0000-0000-4000-8000-000000000003');
      assert.equal(claims.aud, 'https://containerregistry.azure.net');
    });

    it('client certificate (a signed assertion)', async () => {
      const certificatePath = emulator().identityFiles.puller?.certificatePath;
      assert.ok(certificatePath);
      const claims = await tokenFor(new ClientCertificateCredential(contoso, clients.puller.clientId, certificatePath, options()), armScope);
      assert.equal(claims.oid, '0b1d0000-0000-4000-8000-000000000003');
      assert.equal(claims.aud, 'https://management.azure.com');
    });

    it('workload identity (a federated service-account token)', async () => {
      const tokenFilePath = emulator().identityFiles.kubelet?.federatedTokenPath;
      assert.ok(tokenFilePath);
      const credential = new WorkloadIdentityCredential({ tenantId: contoso, clientId: 'c11e0000-0000-4000-8000-000000000006', tokenFilePath, ...options() });
      assert.equal((await tokenFor(credential)).oid, '0b1d0000-0000-4000-8000-000000000006');
    });

    it('managed identity through IMDS, system- and user-assigned', async () => {
      const saved = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
      process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = emulator().imds.endpoint;
      try {
        assert.equal((await tokenFor(new ManagedIdentityCredential(), armScope)).oid, '0b1d0000-0000-4000-8000-000000000005');
        assert.equal((await tokenFor(new ManagedIdentityCredential({ clientId: 'c11e0000-0000-4000-8000-000000000006' }))).oid, '0b1d0000-0000-4000-8000-000000000006');
      } finally {
        if (saved === undefined) delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
        else process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = saved;
      }
      const imdsRequests = (await emulator().client.log()).filter((entry) => entry.server === 'imds' && entry.status === 200);
      assert.ok(imdsRequests.some((entry) => entry.caller === 'vm') && imdsRequests.some((entry) => entry.caller === 'kubelet'));
    });

    it('IMDS refuses a request without the Metadata header', async () => {
      const response = await fetch(`${emulator().imds.endpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/`);
      assert.equal(response.status, 400);
    });

    it('device code, approved as a user', async () => {
      let shown = '';
      const credential = new DeviceCodeCredential({
        tenantId: contoso,
        clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        userPromptCallback: (info) => {
          shown = info.userCode;
        },
        ...options(),
      });
      const pending = credential.getToken(armScope);
      await eventually('the device code shown', () => Promise.resolve(shown !== ''), 20_000);
      assert.deepEqual(await emulator().client.pendingDeviceCodes(), [shown]);
      await emulator().client.approveDeviceCode(shown, 'alice');
      const token = await pending;
      const claims = decodeClaims(token.token);
      assert.equal(claims.oid, '0b1d0000-0000-4000-8000-000000000007');
      assert.equal(claims.upn, 'alice@contoso.example');
    });
  });

  describe('@azure/arm-containerregistry', () => {
    let client: ContainerRegistryManagementClient;

    before(() => {
      const credential = new ClientSecretCredential(contoso, clients.owner.clientId, clients.owner.secret, options());
      client = new ContainerRegistryManagementClient(credential, devSubscription, { endpoint: emulator().arm.endpoint, credentials: { scopes: [armScope] } });
    });

    it('lists registries with their login servers and policies', async () => {
      const registries = [];
      for await (const registry of client.registries.list()) registries.push(registry);
      assert.deepEqual(registries.map((registry) => registry.name).sort(), ['contosoabac', 'contosoapps', 'contosonoarm', 'contososcale']);
      const apps = registries.find((registry) => registry.name === 'contosoapps');
      assert.equal(apps?.loginServer, emulator().loginServer('contosoapps'));
      assert.equal(apps?.adminUserEnabled, true);
      const noArm = registries.find((registry) => registry.name === 'contosonoarm');
      assert.equal(noArm?.policies?.azureADAuthenticationAsArmPolicy?.status, 'disabled');
      assert.equal(registries.find((registry) => registry.name === 'contosoabac')?.roleAssignmentMode, 'AbacRepositoryPermissions');
    });

    it('lists the admin credentials, which work as Basic auth on /v2/_catalog', async () => {
      const credentials = await client.registries.listCredentials('apps-rg', 'contosoapps');
      assert.equal(credentials.username, 'contosoapps');
      const password = credentials.passwords?.[0]?.value ?? '';
      const login = emulator().loginServer('contosoapps');
      const catalog = await fetch(`https://${login}/v2/_catalog`, { headers: { authorization: basic('contosoapps', password) } });
      assert.equal(catalog.status, 200);
      assert.deepEqual(((await catalog.json()) as { repositories: string[] }).repositories, ['hello', 'team/api', 'team/web']);
    });

    it('creates a scope map and a token, generates a password, and the password pulls only that repository', async () => {
      const scopeMap = await client.scopeMaps.create('apps-rg', 'contosoapps', 'api-pull', { actions: ['repositories/team/api/content/read'], description: 'pull team/api' }, { updateIntervalInMs: 10 });
      assert.equal(scopeMap.name, 'api-pull');
      const token = await client.tokens.create('apps-rg', 'contosoapps', 'apipuller', { scopeMapId: scopeMap.id, status: 'enabled' }, { updateIntervalInMs: 10 });
      assert.equal(token.provisioningState, 'Succeeded');
      const expiry = new Date(Date.now() + 3600_000);
      const generated = await client.registries.generateCredentials('apps-rg', 'contosoapps', { tokenId: token.id, expiry, name: 'password1' }, { updateIntervalInMs: 10 });
      assert.equal(generated.username, 'apipuller');
      const password = generated.passwords?.[0];
      assert.equal(password?.name, 'password1');
      assert.ok(password?.value);

      const login = emulator().loginServer('contosoapps');
      const auth = basic('apipuller', password.value);
      assert.equal((await fetch(`https://${login}/v2/team/api/tags/list`, { headers: { authorization: auth } })).status, 200);
      assert.equal((await fetch(`https://${login}/v2/hello/tags/list`, { headers: { authorization: auth } })).status, 401);
      // Repository-scoped tokens cannot list the catalog (docs/protocol.md section 7).
      assert.equal((await fetch(`https://${login}/v2/_catalog`, { headers: { authorization: auth } })).status, 401);
    });

    it('refuses a caller without a role on the registry', async () => {
      const credential = new ClientSecretCredential(contoso, clients.puller.clientId, clients.puller.secret, options());
      const pullerClient = new ContainerRegistryManagementClient(credential, devSubscription, { endpoint: emulator().arm.endpoint, credentials: { scopes: [armScope] } });
      await assert.rejects(pullerClient.registries.listCredentials('apps-rg', 'contosoapps'), (error: { statusCode?: number }) => error.statusCode === 403);
    });

    it('refuses a token for the wrong audience', async () => {
      const credential = new ClientSecretCredential(contoso, clients.owner.clientId, clients.owner.secret, options());
      const wrongAudience = new ContainerRegistryManagementClient(credential, devSubscription, { endpoint: emulator().arm.endpoint, credentials: { scopes: [acrScope] } });
      await assert.rejects(wrongAudience.registries.listCredentials('apps-rg', 'contosoapps'), (error: { statusCode?: number }) => error.statusCode === 401);
    });
  });

  describe('@azure/container-registry', () => {
    const registryClient = (name: string, client: { clientId: string; secret: string }): ContainerRegistryClient =>
      new ContainerRegistryClient(`https://${emulator().loginServer(name)}`, new ClientSecretCredential(contoso, client.clientId, client.secret, options()), {
        audience: 'https://containerregistry.azure.net',
      });

    it('lists repositories and tags with their properties', async () => {
      const client = registryClient('contosoapps', clients.puller);
      const names: string[] = [];
      for await (const name of client.listRepositoryNames()) names.push(name);
      assert.deepEqual(names, ['hello', 'team/api', 'team/web']);
      const tags: string[] = [];
      for await (const manifest of client.getRepository('team/api').listManifestProperties()) tags.push(...manifest.tags);
      assert.deepEqual(tags.sort(), ['1.0', '1.1']);
      const properties = await client.getRepository('hello').getProperties();
      assert.equal(properties.tagCount, 2);
      const tag = await client.getRepository('hello').getArtifact('v1').getTagProperties('v1');
      assert.match(tag.digest, /^sha256:[0-9a-f]{64}$/);
    });

    it('follows the exchange flow with an ACR-audience token', async () => {
      await emulator().client.clearLog();
      const client = registryClient('contosonoarm', clients.puller);
      const names: string[] = [];
      for await (const name of client.listRepositoryNames()) names.push(name);
      assert.deepEqual(names, ['hello']);
      const paths = (await emulator().client.log()).filter((entry) => entry.server === 'registry:contosonoarm').map((entry) => `${entry.method} ${entry.path} ${entry.status ?? ''}`);
      assert.deepEqual(paths.slice(0, 4), ['GET /acr/v1/_catalog 401', 'POST /oauth2/exchange 200', 'POST /oauth2/token 200', 'GET /acr/v1/_catalog 200']);
    });

    it('refuses _catalog on an ABAC registry to a repository reader but serves the named repositories', async () => {
      const client = registryClient('contosoabac', clients.reader);
      await assert.rejects(
        (async () => {
          for await (const name of client.listRepositoryNames()) void name;
        })(),
        (error: { statusCode?: number }) => error.statusCode === 401,
      );
      const properties = await client.getRepository('team/api').getProperties();
      assert.equal(properties.tagCount, 1);
      await assert.rejects(client.getRepository('secret/db').getProperties(), (error: { statusCode?: number }) => error.statusCode === 401);
    });

    it('gives nothing on an ABAC registry to an AcrPull assignment, which ABAC mode ignores', async () => {
      const client = registryClient('contosoabac', clients.puller);
      await assert.rejects(client.getRepository('team/api').getProperties());
    });
  });
});
