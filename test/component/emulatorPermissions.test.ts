// ARM's permissions API as the emulator answers it: one entry per role assignment of the caller at the scope
// or above it, each with its role's real action lists (docs/protocol.md section 8).
import assert from 'node:assert/strict';
import { ClientSecretCredential } from '@azure/identity';
import { AzureCloud } from '../../src/azure/clouds';
import { allows, assignRoles, readPermissions, registryActions } from '../../src/azure/permissions';
import { listRegistries, listSubscriptions, RegistrySummary } from '../../src/azure/registries';
import { armScope, clients, contoso, devSubscription, emulatorCloud, entraToken, useEmulator } from './emulatorSupport';

const registries = `/subscriptions/${devSubscription}/resourceGroups/apps-rg/providers/Microsoft.ContainerRegistry/registries`;

describe('emulator: ARM permissions API (GET {scope}/providers/Microsoft.Authorization/permissions)', () => {
  const emulator = useEmulator();

  const permissions = async (client: { clientId: string; secret: string }, scope: string): Promise<Response> => {
    const token = await entraToken(emulator(), client, armScope);
    return fetch(`${emulator().arm.endpoint}${scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`, { headers: { authorization: `Bearer ${token}` } });
  };
  const value = async (response: Response): Promise<unknown[]> => {
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { value: unknown[] }).value;
  };

  it("gives a subscription Owner's role on the subscription and on every registry in it", async () => {
    const owner = [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }];
    assert.deepEqual(await value(await permissions(clients.owner, `/subscriptions/${devSubscription}`)), owner);
    assert.deepEqual(await value(await permissions(clients.owner, `${registries}/contosoapps`)), owner);
  });

  it('gives the Acr roles their actions and the repository roles their data actions, with the ABAC condition', async () => {
    assert.deepEqual(await value(await permissions(clients.puller, `${registries}/contosoapps`)), [
      { actions: ['Microsoft.ContainerRegistry/registries/pull/read'], notActions: [], dataActions: [], notDataActions: [] },
    ]);
    assert.deepEqual(await value(await permissions(clients.reader, `${registries}/contosoabac`)), [
      {
        actions: [],
        notActions: [],
        dataActions: ['Microsoft.ContainerRegistry/registries/repositories/content/read', 'Microsoft.ContainerRegistry/registries/repositories/metadata/read'],
        notDataActions: [],
        condition: "@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team/'",
        conditionVersion: '2.0',
      },
    ]);
    const pusher = (await value(await permissions(clients.pusher, `${registries}/contosoabac`))) as Array<{ dataActions: string[] }>;
    assert.deepEqual(
      pusher.map((entry) => entry.dataActions),
      [
        [
          'Microsoft.ContainerRegistry/registries/repositories/content/read',
          'Microsoft.ContainerRegistry/registries/repositories/content/write',
          'Microsoft.ContainerRegistry/registries/repositories/metadata/read',
          'Microsoft.ContainerRegistry/registries/repositories/metadata/write',
        ],
        ['Microsoft.ContainerRegistry/registries/catalog/read'],
      ],
    );
  });

  it('gives an empty list to a caller with no role there, and 404 for a registry that does not exist', async () => {
    assert.deepEqual(await value(await permissions(clients.nobody, `${registries}/contosoapps`)), []);
    const missing = await permissions(clients.owner, `${registries}/nosuchregistry`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'ResourceNotFound');
  });
});

describe("The caller's permissions on a registry (src/azure/permissions.ts), read from the emulator", () => {
  const emulator = useEmulator();
  let cloud: AzureCloud;
  let registries: RegistrySummary[];
  const credentialFor = (client: { clientId: string; secret: string }) => () =>
    new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
  const registry = (name: string): RegistrySummary => registries.find((candidate) => candidate.name === name) ?? assert.fail(`no registry ${name}`);

  before(async () => {
    cloud = emulatorCloud(emulator());
    const owner = credentialFor(clients.owner);
    registries = (await Promise.all((await listSubscriptions(owner, cloud)).map((subscription) => listRegistries(owner, cloud, subscription)))).flat();
  });

  it('an Owner may change tokens and the registry, and assign roles', async () => {
    const permissions = await readPermissions(credentialFor(clients.owner), cloud, registry('contosoapps'));
    assert.ok(permissions);
    for (const action of [...Object.values(registryActions), assignRoles]) assert.ok(allows(permissions, action), action);
  });

  it('AcrPush allows none of the ARM changes: a registry change needs Contributor or Owner', async () => {
    const permissions = await readPermissions(credentialFor(clients.pusher), cloud, registry('contosoapps'));
    assert.ok(permissions);
    for (const action of [...Object.values(registryActions), assignRoles]) assert.ok(!allows(permissions, action), action);
  });

  it('is undefined when ARM refuses to say, so the command goes on without the check', async () => {
    await emulator().client.addFault({ server: 'arm', path: '/providers/Microsoft.Authorization/permissions$', mode: 'status', status: 403 });
    try {
      assert.equal(await readPermissions(credentialFor(clients.owner), cloud, registry('contosoapps')), undefined);
    } finally {
      await emulator().client.clearFaults();
    }
  });
});

describe('allows: ARM wildcards and notActions (docs/protocol.md section 8)', () => {
  const entry = (actions: string[], notActions: string[] = []) => ({ actions, notActions, dataActions: [], notDataActions: [] });
  const contributor = entry(['*'], ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action']);

  it('Contributor may write tokens but not assign roles; Reader may only read; matching ignores case', () => {
    assert.ok(allows([contributor], registryActions.writeTokens));
    assert.ok(!allows([contributor], assignRoles));
    assert.ok(!allows([entry(['*/read'])], registryActions.writeTokens));
    assert.ok(allows([entry(['*/read'])], 'Microsoft.ContainerRegistry/registries/read'));
    assert.ok(allows([entry(['Microsoft.Authorization/*'])], 'microsoft.authorization/ROLEASSIGNMENTS/write'));
  });

  it("one entry's notActions do not take back what another entry grants", () => {
    assert.ok(allows([contributor, entry(['*/read', 'Microsoft.Authorization/*'])], assignRoles));
  });
});
