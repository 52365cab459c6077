import assert from 'node:assert/strict';
import { ClientSecretCredential } from '@azure/identity';
import { listRegistries, listSubscriptions, RegistrySummary, tokenPasswordExpiry } from '../../src/azure/registries';
import { AzureCloud, scopeFor } from '../../src/azure/clouds';
import { clients, contoso, emulatorCloud, useEmulator } from './emulatorSupport';

describe('Registries and token passwords through ARM (src/azure/registries.ts)', () => {
  const emulator = useEmulator();
  let cloud: AzureCloud;
  const credentialFor = (client: { clientId: string; secret: string }) => () =>
    new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });

  before(() => {
    cloud = emulatorCloud(emulator());
  });

  async function contosoApps(): Promise<RegistrySummary> {
    const [subscription] = await listSubscriptions(credentialFor(clients.owner), cloud);
    const registry = (await listRegistries(credentialFor(clients.owner), cloud, subscription)).find((candidate) => candidate.name === 'contosoapps');
    assert.ok(registry, 'contosoapps was not listed');
    return registry;
  }

  /** Creates (or replaces) an ACR token's passwords through ARM, as the portal or `az acr token credential generate` would. */
  async function generatePasswords(registry: RegistrySummary, tokenName: string, expiries: Array<string | undefined>): Promise<void> {
    const { ContainerRegistryManagementClient } = await import('@azure/arm-containerregistry');
    const client = new ContainerRegistryManagementClient(credentialFor(clients.owner)(), registry.subscription.id, { endpoint: cloud.armEndpoint, credentials: { scopes: [scopeFor(cloud.armAudience)] } });
    const tokenId = `/subscriptions/${registry.subscription.id}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry.name}/tokens/${tokenName}`;
    for (const [index, expiry] of expiries.entries()) {
      await client.registries.beginGenerateCredentialsAndWait(registry.resourceGroup, registry.name, {
        tokenId,
        name: index === 0 ? 'password1' : 'password2',
        expiry: expiry ? new Date(expiry) : undefined,
      });
    }
  }

  it('lists the registries the account can see, with what the login flow needs', async () => {
    const registry = await contosoApps();
    assert.equal(registry.loginServer, emulator().loginServer('contosoapps'));
    assert.equal(registry.resourceGroup, 'apps-rg');
    assert.equal(registry.acceptsArmAudienceTokens, true);
  });

  it('says a token password never expires when none of its passwords has an expiry', async () => {
    assert.equal(await tokenPasswordExpiry(credentialFor(clients.owner), cloud, await contosoApps(), 'hellopuller'), undefined);
  });

  it("reads a token password's expiry, and the earlier one when both passwords expire", async () => {
    const registry = await contosoApps();
    await generatePasswords(registry, 'hellopuller', ['2031-05-01T00:00:00Z']);
    assert.equal(await tokenPasswordExpiry(credentialFor(clients.owner), cloud, registry, 'hellopuller'), Date.parse('2031-05-01T00:00:00Z'));
    await generatePasswords(registry, 'hellopuller', ['2031-05-01T00:00:00Z', '2030-01-15T12:00:00Z']);
    assert.equal(await tokenPasswordExpiry(credentialFor(clients.owner), cloud, registry, 'hellopuller'), Date.parse('2030-01-15T12:00:00Z'));
  });

  it('fails for a token that does not exist, so the caller knows nothing was learned', async () => {
    await assert.rejects(tokenPasswordExpiry(credentialFor(clients.owner), cloud, await contosoApps(), 'nosuchtoken'), /not found|NotFound|404/i);
  });
});
