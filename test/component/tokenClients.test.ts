import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import type * as vscode from 'vscode';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { SignInState } from '../../src/auth/signInState';
import { TokenClientAccount, TokenClients } from '../../src/auth/tokenClients';
import { DockerLogins } from '../../src/dockerLogins';
import type { Account } from '../../src/auth/account';
import { clients, contoso, emulatorCloud, useEmulator } from './emulatorSupport';

/** VS Code's Memento and SecretStorage as plain maps: what SignInState is given outside VS Code. */
function storage(): { memento: vscode.Memento; secrets: vscode.SecretStorage } {
  const values = new Map<string, unknown>();
  const secrets = new Map<string, string>();
  const memento = {
    keys: () => [...values.keys()],
    get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
    update: (key: string, value: unknown) => Promise.resolve(void (value === undefined ? values.delete(key) : values.set(key, value))),
  } as vscode.Memento;
  const secretStorage = {
    get: (key: string) => Promise.resolve(secrets.get(key)),
    store: (key: string, value: string) => Promise.resolve(void secrets.set(key, value)),
    delete: (key: string) => Promise.resolve(void secrets.delete(key)),
  } as unknown as vscode.SecretStorage;
  return { memento, secrets: secretStorage };
}

describe('token clients: one per account and tenant, dropped when the sign-in is no longer in use (src/auth/tokenClients.ts)', () => {
  const emulator = useEmulator();
  let apps: string;

  /** An account of a service-principal sign-in of the fixture, as `Account` is to the token-client cache. */
  const accountOf = (client: { clientId: string; secret: string }, interactive = true): TokenClientAccount & Pick<Account, 'source'> => ({
    source: { kind: 'clientSecret', tenant: contoso, clientId: client.clientId },
    signIn: JSON.stringify(['clientSecret', client.clientId]),
    interactive,
    credential: () => new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true }),
  });
  /** Successful exchanges at contosoapps by this fixture identity, as the emulator logged them. */
  const exchangesBy = async (caller: string): Promise<number> =>
    (await emulator().client.log()).filter((entry) => entry.server === 'registry:contosoapps' && entry.path === '/oauth2/exchange' && entry.status === 200 && entry.caller === caller).length;

  before(() => {
    apps = emulator().loginServer('contosoapps');
  });

  beforeEach(() => emulator().client.clearLog());

  describe('TokenClients', () => {
    const tokenClients = (): TokenClients =>
      new TokenClients((credential) => new AcrTokenClient({ credential, trust: { cloud: emulatorCloud(emulator()), armLoginServers: [apps] } }));

    it('hands the same client to an account of the same sign-in, so its tokens are reused', async () => {
      const cache = tokenClients();
      await cache.for(accountOf(clients.owner), undefined).refreshToken({ loginServer: apps });
      // Made again, as the extension does when it rebuilds its accounts: the same sign-in, the same client.
      await cache.for(accountOf(clients.owner), undefined).refreshToken({ loginServer: apps });

      assert.equal(await exchangesBy('owner'), 1);
      assert.equal(cache.size, 1);
    });

    it('keeps the interactive and the silent account of one sign-in apart, each per tenant', () => {
      const cache = tokenClients();
      const interactive = cache.for(accountOf(clients.owner, true), undefined);
      const silent = cache.for(accountOf(clients.owner, false), undefined);
      const otherTenant = cache.for(accountOf(clients.owner, false), 'another-tenant');

      assert.notEqual(interactive, silent);
      assert.notEqual(silent, otherTenant);
      assert.equal(cache.size, 3);
    });

    it('drops the clients of an earlier sign-in when another one is used, so its tokens are not reused', async () => {
      const cache = tokenClients();
      const first = cache.for(accountOf(clients.owner), undefined);
      cache.for(accountOf(clients.owner, false), undefined);
      await first.refreshToken({ loginServer: apps });

      cache.for(accountOf(clients.puller), undefined);
      assert.equal(cache.size, 1, 'only the puller sign-in keeps a client');

      const again = cache.for(accountOf(clients.owner), undefined);
      assert.notEqual(again, first);
      await again.refreshToken({ loginServer: apps });
      assert.equal(await exchangesBy('owner'), 2);
    });

    it('clear drops every client, forget one registry in every client', async () => {
      const cache = tokenClients();
      await cache.for(accountOf(clients.owner, true), undefined).refreshToken({ loginServer: apps });
      await cache.for(accountOf(clients.owner, false), undefined).refreshToken({ loginServer: apps });
      cache.forget(apps);
      await cache.for(accountOf(clients.owner, true), undefined).refreshToken({ loginServer: apps });
      await cache.for(accountOf(clients.owner, false), undefined).refreshToken({ loginServer: apps });
      assert.equal(await exchangesBy('owner'), 4);

      cache.clear();
      assert.equal(cache.size, 0);
    });
  });

  describe('DockerLogins (without Docker: the credential a pull is given)', () => {
    /** The global storage folder, where the Docker logins are kept. */
    let storageFolder: string;
    beforeEach(async () => (storageFolder = await mkdtemp(join(tmpdir(), 'acr-global-storage-'))));
    afterEach(() => rm(storageFolder, { recursive: true, force: true }));
    const dockerLogins = (): DockerLogins => {
      const { memento, secrets } = storage();
      return new DockerLogins(new SignInState(memento, secrets, storageFolder), () => ({ cloud: emulatorCloud(emulator()), trustedHosts: [apps], saveForDocker: false }));
    };
    const pullAs = (logins: DockerLogins, account: ReturnType<typeof accountOf>) => logins.pullCredential(account as unknown as Account, { loginServer: apps }, false);

    it('reuses the refresh token of an account until another sign-in is used, then exchanges again', async () => {
      const logins = dockerLogins();
      await pullAs(logins, accountOf(clients.owner));
      await pullAs(logins, accountOf(clients.owner));
      assert.equal(await exchangesBy('owner'), 1);

      await pullAs(logins, accountOf(clients.puller));
      await pullAs(logins, accountOf(clients.owner));
      assert.equal(await exchangesBy('owner'), 2);
    });

    it('drops the tokens of the account when it signs out', async () => {
      const logins = dockerLogins();
      await pullAs(logins, accountOf(clients.owner));
      await logins.logOutAll();
      await pullAs(logins, accountOf(clients.owner));
      assert.equal(await exchangesBy('owner'), 2);
    });
  });
});
