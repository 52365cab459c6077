// What RefreshScheduler.renewNow says came of each registry, which ACR: Renew Docker Credentials Now tells the
// user: renewed here, renewed by another window already, being renewed by another window now, nothing to
// renew, or failed with the advice. Real token clients, password checks and lock files against the emulator.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import type { DockerLogin } from '../../src/auth/signInState';
import { FileRefreshLock } from '../../src/status/refreshLock';
import { RefreshScheduler, RefreshSchedulerOptions, RenewalOutcome } from '../../src/status/refreshScheduler';
import { clients, contoso, emulatorCloud, nullGuid, useEmulator } from './emulatorSupport';

describe('Renew Now: what came of each registry', () => {
  const emulator = useEmulator();
  let storage: string;
  let apps: string;
  const schedulers: RefreshScheduler[] = [];

  beforeEach(async () => {
    storage = await mkdtemp(join(tmpdir(), 'acr-renew-now-'));
    apps = emulator().loginServer('contosoapps');
    await emulator().client.clearLog();
    await emulator().client.clearFaults();
  });
  afterEach(async () => {
    for (const scheduler of schedulers.splice(0)) scheduler.dispose();
    await rm(storage, { recursive: true, force: true });
  });

  async function tokenClient(client = clients.puller): Promise<AcrTokenClient> {
    const { ClientSecretCredential } = await import('@azure/identity');
    const credential = new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
    return new AcrTokenClient({ credential, trust: { cloud: emulatorCloud(emulator()), armLoginServers: [apps] } });
  }

  /** A login whose credential lives a minute, so that every renewal (3 hours) makes a later one. */
  async function entraLogin(acr: AcrTokenClient): Promise<DockerLogin> {
    await emulator().client.setLifetimes({ acrRefreshSeconds: 60 });
    const refresh = await acr.refreshToken({ loginServer: apps, tenantId: contoso }).finally(() => emulator().client.setLifetimes({ acrRefreshSeconds: 3 * 3600 }));
    return { loginServer: apps, registryName: 'contosoapps', via: 'entra', tenantId: contoso, username: nullGuid, loggedInAt: Date.now(), expiresOn: refresh.expiresOn, persisted: false, fromArm: true };
  }

  /** A fresh exchange for the login, as DockerLogins.renew makes it (short of the Docker handoff). */
  function renewWith(acr: AcrTokenClient): RefreshSchedulerOptions['renew'] {
    return async (login, signal) => {
      acr.forget(login.loginServer);
      const refresh = await acr.refreshToken({ loginServer: login.loginServer, tenantId: login.tenantId }, { signal });
      return { ...login, expiresOn: refresh.expiresOn };
    };
  }

  /** A window's scheduler, with its own memory of the logins and the lock folder every window shares. */
  function window(logins: DockerLogin[], renew: RefreshSchedulerOptions['renew']): RefreshScheduler {
    const scheduler = new RefreshScheduler({
      logins: () => logins,
      renew,
      // Auto-refresh off: no timer renews anything, only renewNow (which does whatever the settings say).
      settings: () => ({ enabled: false, leadTimeMs: 10 * 60_000, isTracked: () => true }),
      log: { info: () => undefined, warn: () => undefined },
      lock: new FileRefreshLock(storage),
    });
    schedulers.push(scheduler);
    scheduler.sync();
    return scheduler;
  }

  async function exchanges(): Promise<number> {
    return (await emulator().client.log()).filter((entry) => entry.server === 'registry:contosoapps' && entry.path === '/oauth2/exchange' && entry.status === 200).length;
  }

  it('renewed here: the login as renewed, with its new expiry', async () => {
    const acr = await tokenClient();
    const login = await entraLogin(acr);
    const [outcome] = await window([login], renewWith(acr)).renewNow([apps]);
    assert.equal(outcome.kind, 'renewed');
    assert.ok(outcome.kind === 'renewed' && outcome.login.expiresOn! > login.expiresOn!, 'no later expiry');
    assert.equal(await exchanges(), 2, 'a login and one renewal');
  });

  it('renewed elsewhere: a window that knows the old login finds the renewal another window recorded, and takes it up without renewing again', async () => {
    const acr = await tokenClient();
    const login = await entraLogin(acr);
    const [first] = await window([login], renewWith(acr)).renewNow([apps]);
    assert.equal(first.kind, 'renewed');
    const renewedThere = first.kind === 'renewed' ? first.login : login;

    const outcomes = await window([login], renewWith(acr)).renewNow([apps]);
    assert.deepEqual(outcomes, [{ kind: 'renewedElsewhere', loginServer: apps, login: renewedThere }]);
    assert.equal(await exchanges(), 2, 'renewed a second time');
  });

  it('locked elsewhere: while another window holds the lock renewing it, nothing is renewed here', async () => {
    const acr = await tokenClient();
    const login = await entraLogin(acr);
    let letGo = (): void => undefined;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    let renewing = (): void => undefined;
    const started = new Promise<void>((resolve) => (renewing = resolve));
    const renew = renewWith(acr);
    const other = window([login], async (current, signal) => {
      renewing();
      await held;
      return renew(current, signal);
    });
    const there = other.renewNow([apps]);
    await started;

    assert.deepEqual(await window([login], renew).renewNow([apps]), [{ kind: 'lockedElsewhere', loginServer: apps }]);
    letGo();
    assert.equal((await there)[0].kind, 'renewed');
    assert.equal(await exchanges(), 2, 'a login and the other window renewal only');
  });

  it('nothing to do: a login server this window does not keep', async () => {
    const acr = await tokenClient();
    const login = await entraLogin(acr);
    const elsewhere = emulator().loginServer('contosonoarm');
    const outcomes = await window([login], renewWith(acr)).renewNow([elsewhere, apps]);
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.kind, outcome.loginServer]),
      [
        ['nothingToDo', elsewhere],
        ['renewed', apps],
      ],
    );
  });

  it('failed: the error with its advice, whether only the user can fix it or it will be retried', async () => {
    const acr = await tokenClient();
    const login = await entraLogin(acr);
    // Signed in now as an identity with no role on the registry: only the user can fix that.
    const [refused] = await window([login], renewWith(await tokenClient(clients.nobody))).renewNow([apps]);
    assertFailed(refused, 'acr.noRole', true);

    await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 503, times: 1 });
    const [outage] = await window([login], renewWith(acr)).renewNow([apps]);
    assertFailed(outage, 'acr.unavailable', false);
  });
});

function assertFailed(outcome: RenewalOutcome, kind: string, needsUser: boolean): void {
  assert.equal(outcome.kind, 'failed', JSON.stringify(outcome));
  if (outcome.kind !== 'failed') return;
  assert.deepEqual([outcome.advice.kind, outcome.advice.needsUser], [kind, needsUser], outcome.advice.message);
  assert.equal(outcome.advice.message, (outcome.error as Error).message);
}
