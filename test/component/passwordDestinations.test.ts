// A registry's own password (repository-scoped token, admin user) against the emulator: it works at whatever
// HTTPS login server the user typed, since the Entra rule for hosts is not for passwords, and goes to that
// login server alone: never to a realm the challenge names elsewhere, nor to a host written in another form.
import assert from 'node:assert/strict';
import { AcrError } from '../../src/acr/errors';
import { accessTokenWithPassword, checkPasswordCredentials } from '../../src/acr/passwordAuth';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { clients, contoso, decodeClaims, emulatorCloud, useEmulator } from './emulatorSupport';

const hellopuller = { username: 'hellopuller', password: 'hello-token-password' };

describe('where a registry password is sent', () => {
  const emulator = useEmulator();
  let apps: string;
  let port: string;

  beforeEach(async () => {
    apps = emulator().loginServer('contosoapps');
    port = apps.split(':')[1];
    await emulator().client.clearLog();
  });

  /** Requests that carried a credential to the registry (its token endpoint), as the emulator logged them. */
  async function tokenRequests(): Promise<string[]> {
    return (await emulator().client.log()).filter((entry) => entry.path.startsWith('/oauth2/')).map((entry) => `${entry.server} ${entry.method} ${entry.path}`);
  }

  it('works at a login server nobody vouches for as an Entra host (typed, with a port, neither listed by ARM nor trusted), where an Entra token is refused', async () => {
    const ClientSecretCredential = (await import('@azure/identity')).ClientSecretCredential;
    const credential = new ClientSecretCredential(contoso, clients.puller.clientId, clients.puller.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
    const acr = new AcrTokenClient({ credential, trust: { cloud: emulatorCloud(emulator()) } });
    await assert.rejects(acr.refreshToken({ loginServer: apps, tenantId: contoso }), (error) => error instanceof AcrError && error.kind === 'hostNotTrusted');
    assert.deepEqual(await tokenRequests(), [], 'the Entra token went to an untrusted host');

    await checkPasswordCredentials({ loginServer: apps }, hellopuller);
    const access = await accessTokenWithPassword({ loginServer: apps }, hellopuller, ['repository:hello:pull']);
    assert.deepEqual(decodeClaims(access.token).access, [{ type: 'repository', name: 'hello', actions: ['pull'] }]);
  });

  it('is not sent to the realm a challenge names on another host: the same registry reached as localhost, whose realm is on 127.0.0.1', async () => {
    const viaLocalhost = `localhost:${port}`;
    await assert.rejects(
      checkPasswordCredentials({ loginServer: viaLocalhost }, hellopuller),
      (error) => error instanceof AcrError && error.kind === 'realmElsewhere' && error.message.includes(`refused https://127.0.0.1:${port}`) && !error.message.includes(hellopuller.password),
    );
    assert.deepEqual(
      (await emulator().client.log()).map((entry) => `${entry.method} ${entry.path}`),
      ['GET /v2/'],
      'only the challenge, which carries no credential',
    );
  });

  it('is not sent to a login server written in another form, or that cannot be the one reached', async () => {
    const refused = [`0x7f.0.0.1:${port}`, `2130706433:${port}`, `[::ffff:127.0.0.1]:${port}`, `user@${apps}`, `${apps}/evil`, 'contosoapps.azurecr.localhost.', 'ContosoApps.azurecr.localhost'];
    for (const loginServer of refused) {
      await assert.rejects(
        checkPasswordCredentials({ loginServer }, hellopuller),
        (error) => error instanceof AcrError && error.kind === 'invalidRegistryName' && !error.message.includes(hellopuller.password),
        loginServer,
      );
    }
    assert.deepEqual(await emulator().client.log(), []);
  });
});
