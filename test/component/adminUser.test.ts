import assert from 'node:assert/strict';
import { ClientSecretCredential } from '@azure/identity';
import { AdminUserError, listAdminCredentials, regenerateAdminPassword, setAdminUserEnabled } from '../../src/azure/adminUser';
import { AzureCloud } from '../../src/azure/clouds';
import { listRegistries, listSubscriptions, RegistrySummary } from '../../src/azure/registries';
import { adviceFor } from '../../src/failures';
import { basic, clients, contoso, emulatorCloud, useEmulator } from './emulatorSupport';

describe('The admin user through ARM (src/azure/adminUser.ts)', () => {
  const emulator = useEmulator();
  let cloud: AzureCloud;
  let registry: RegistrySummary;
  const credentialFor = (client: { clientId: string; secret: string }) => () =>
    new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
  const owner = credentialFor(clients.owner);
  const catalogStatus = async (username: string, password: string) => (await fetch(`https://${registry.loginServer}/v2/_catalog`, { headers: { authorization: basic(username, password) } })).status;
  const password = (credentials: { passwords: readonly { name: string; value: string }[] }, name: string) => credentials.passwords.find((candidate) => candidate.name === name)?.value ?? '';

  before(async () => {
    cloud = emulatorCloud(emulator());
    const [subscription] = await listSubscriptions(owner, cloud);
    const listed = (await listRegistries(owner, cloud, subscription)).find((candidate) => candidate.name === 'contosoapps');
    assert.ok(listed);
    registry = listed;
  });

  it('lists the admin user name and both passwords, which work as Basic auth', async () => {
    const credentials = await listAdminCredentials(owner, cloud, registry);
    assert.equal(credentials.username, 'contosoapps');
    assert.deepEqual(credentials.passwords.map((candidate) => candidate.name), ['password', 'password2']);
    assert.equal(await catalogStatus(credentials.username, password(credentials, 'password')), 200);
    assert.equal(await catalogStatus(credentials.username, password(credentials, 'password2')), 200);
  });

  it('regenerating password2 replaces only it: the old one is refused, the new one and password work', async () => {
    const before = await listAdminCredentials(owner, cloud, registry);
    const after = await regenerateAdminPassword(owner, cloud, registry, 'password2');
    assert.notEqual(password(after, 'password2'), password(before, 'password2'));
    assert.equal(password(after, 'password'), password(before, 'password'));
    assert.equal(await catalogStatus('contosoapps', password(before, 'password2')), 401);
    assert.equal(await catalogStatus('contosoapps', password(after, 'password2')), 200);
    assert.deepEqual(await listAdminCredentials(owner, cloud, registry), after);
  });

  it('disabling the admin user refuses its passwords and says how to enable it; enabling brings them back', async () => {
    const credentials = await listAdminCredentials(owner, cloud, registry);
    try {
      assert.equal(await setAdminUserEnabled(owner, cloud, registry, false), false);
      assert.equal(await catalogStatus('contosoapps', password(credentials, 'password')), 401);
      await assert.rejects(listAdminCredentials(owner, cloud, registry), (error: unknown) => {
        assert.ok(error instanceof AdminUserError);
        assert.match(error.message, /admin user of registry contosoapps is disabled\. Enable it with ACR: Enable Admin User/);
        assert.equal(adviceFor(error).kind, 'arm.adminUserDisabled');
        return true;
      });
      const [subscription] = await listSubscriptions(owner, cloud);
      assert.equal((await listRegistries(owner, cloud, subscription)).find((candidate) => candidate.name === 'contosoapps')?.adminUserEnabled, false);
    } finally {
      assert.equal(await setAdminUserEnabled(owner, cloud, registry, true), true);
    }
    assert.equal(await catalogStatus('contosoapps', password(credentials, 'password')), 200);
  });

  it('an account without Owner or Contributor is told which role it needs, and no password is in the message', async () => {
    const secrets = (await listAdminCredentials(owner, cloud, registry)).passwords.map((candidate) => candidate.value);
    for (const attempt of [
      () => listAdminCredentials(credentialFor(clients.puller), cloud, registry),
      () => regenerateAdminPassword(credentialFor(clients.puller), cloud, registry, 'password'),
      () => setAdminUserEnabled(credentialFor(clients.puller), cloud, registry, false),
    ]) {
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof AdminUserError);
        const advice = adviceFor(error);
        assert.deepEqual([advice.kind, advice.nextStep], ['arm.adminUserNoRole', 'requestAccess']);
        assert.match(advice.message, /Owner or Contributor role on the registry/);
        for (const secret of secrets) assert.ok(!advice.message.includes(secret));
        return true;
      });
    }
    assert.deepEqual((await listAdminCredentials(owner, cloud, registry)).passwords.map((candidate) => candidate.value), secrets, 'a refused caller changed the passwords');
  });
});
