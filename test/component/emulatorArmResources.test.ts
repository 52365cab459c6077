import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { armScope, clients, contoso, decodeClaims, devSubscription, entraToken, useEmulator } from './emulatorSupport';

const registryType = 'Microsoft.ContainerRegistry/registries';

describe('emulator: the generic ARM resource list, which the Azure CLI uses to find a registry by name', () => {
  const emulator = useEmulator();

  const listResources = async (client: { clientId: string; secret: string }, filter: string, scope = `/subscriptions/${devSubscription}`): Promise<Response> => {
    const token = await entraToken(emulator(), client, armScope);
    const query = new URLSearchParams({ $filter: filter, 'api-version': '2021-04-01' });
    return fetch(`${emulator().arm.endpoint}${scope}/resources?${query.toString()}`, { headers: { authorization: `Bearer ${token}` } });
  };
  const names = async (response: Response): Promise<string[]> => {
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { value: Array<{ name: string }> }).value.map((resource) => resource.name);
  };

  it('lists the registries of a subscription by resource type, in the shape ARM uses', async () => {
    const response = await listResources(clients.owner, `resourceType eq '${registryType}'`);
    assert.equal(response.status, 200);
    const { value } = (await response.json()) as { value: Array<Record<string, unknown>> };
    assert.deepEqual(
      value.map((resource) => resource.name),
      ['contosoapps', 'contosoabac', 'contosonoarm', 'contososcale'],
    );
    assert.deepEqual(value[0], {
      id: `/subscriptions/${devSubscription}/resourceGroups/apps-rg/providers/${registryType}/contosoapps`,
      name: 'contosoapps',
      type: registryType,
      sku: { name: 'Premium', tier: 'Premium' },
      location: 'eastus',
      tags: {},
    });
  });

  it('filters by name and resource group, and lists nothing of another type', async () => {
    assert.deepEqual(await names(await listResources(clients.owner, `resourceType eq '${registryType}' and name eq 'ContosoNoArm'`)), ['contosonoarm']);
    assert.deepEqual(await names(await listResources(clients.owner, `resourceType eq '${registryType}'`, `/subscriptions/${devSubscription}/resourceGroups/Scale-RG`)), ['contososcale']);
    assert.deepEqual(await names(await listResources(clients.owner, `resourceType eq '${registryType}'`, `/subscriptions/${devSubscription}/resourceGroups/other-rg`)), []);
    assert.deepEqual(await names(await listResources(clients.owner, "resourceType eq 'Microsoft.Compute/virtualMachines'")), []);
  });

  it('lists only registries the caller may read in ARM (a data-plane role such as AcrPull is not enough)', async () => {
    assert.deepEqual(await names(await listResources(clients.puller, `resourceType eq '${registryType}'`)), []);
    const refused = await listResources(clients.nobody, `resourceType eq '${registryType}'`);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'AuthorizationFailed');
  });

  it('refuses a filter it does not understand, saying what it takes', async () => {
    const response = await listResources(clients.owner, "startswith(name, 'contoso')");
    assert.equal(response.status, 400);
    assert.match(await response.text(), /resourceType eq/);
  });

  describe('az acr login --expose-token (Debian azure-cli) against the emulator as a custom cloud', () => {
    let configDir: string;
    const az = async (...args: string[]): Promise<string> => {
      const env = { ...process.env, AZURE_CONFIG_DIR: configDir, REQUESTS_CA_BUNDLE: emulator().caPath, AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_ONLY_SHOW_ERRORS: 'true' };
      try {
        return (await promisify(execFile)('az', args, { env, timeout: 120_000 })).stdout;
      } catch (error) {
        const { stderr = '' } = error as { stderr?: string };
        throw new Error(`az ${args.slice(0, 2).join(' ')} failed:\n${stderr}`);
      }
    };

    before(async () => {
      configDir = await mkdtemp(join(tmpdir(), 'acr-az-config-'));
      // Registered like an AD FS cloud, as in identitySources.test.ts: az 2.45 would otherwise ask the public
      // cloud to validate the emulator's authority.
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
      const secretFile = join(configDir, 'owner-secret');
      await writeFile(secretFile, clients.owner.secret, { mode: 0o600 });
      await az('login', '--service-principal', '--username', clients.owner.clientId, '--password', `@${secretFile}`, '--tenant', contoso);
    });

    after(async () => {
      if (configDir) await rm(configDir, { recursive: true, force: true });
    });

    it('finds the registry by name through the resource list and prints a refresh token for it', async () => {
      await emulator().client.clearLog();
      const { accessToken, loginServer } = JSON.parse(await az('acr', 'login', '--name', 'contosoapps', '--expose-token', '--output', 'json')) as { accessToken: string; loginServer: string };
      assert.equal(loginServer, emulator().loginServer('contosoapps'));
      const claims = decodeClaims(accessToken);
      assert.deepEqual([claims.grant_type, claims.aud, claims.sub], ['refresh_token', loginServer, '0b1d0000-0000-4000-8000-000000000001']);
      const armPaths = (await emulator().client.log()).filter((entry) => entry.server === 'arm').map((entry) => `${entry.method} ${entry.path} ${entry.status ?? ''}`);
      assert.ok(armPaths.includes(`GET /subscriptions/${devSubscription}/resources 200`), armPaths.join('\n'));
    });
  });
});
