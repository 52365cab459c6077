// ARM's permissions API as the emulator answers it: one entry per role assignment of the caller at the scope
// or above it, each with its role's real action lists (docs/protocol.md section 8).
import assert from 'node:assert/strict';
import { armScope, clients, devSubscription, entraToken, useEmulator } from './emulatorSupport';

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
