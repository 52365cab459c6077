import type { TokenCredential } from '@azure/core-auth';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AcrError } from '../../src/acr/errors';
import { NotSignedInError } from '../../src/auth/errors';
import { RequestLimits } from '../../src/acr/http';
import { HostTrust } from '../../src/acr/loginServer';
import { checkPasswordCredentials } from '../../src/acr/passwordAuth';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { createIdentityCredential } from '../../src/auth/identitySources';
import type { DockerLogin } from '../../src/auth/signInState';
import { storeDockerCredential } from '../../src/docker/credentials';
import { lockHolder } from '../../src/docker/lockFile';
import { adviceFor, NextStep } from '../../src/failures';
import { FileRefreshLock } from '../../src/status/refreshLock';
import { Health, RefreshScheduler, RefreshSchedulerOptions, RefreshSettings, RegistryStatus } from '../../src/status/refreshScheduler';
import { Lifetimes, LogEntry, RunningEmulator } from '../world/emulator';
import { eventually } from '../world/eventually';
import { clients, contoso, devSubscription, emulatorCloud, nullGuid, useEmulator } from './emulatorSupport';

/** The emulator's usual ACR refresh token lifetime (3 h). */
const usualRefreshSeconds = 3 * 3600;
/** A lead time just under `logInExpiringSoon`'s 30-s lifetime, so such a login falls due within a second. */
const dueAtOnce = 29_000;
const tokenShape = /eyJ[A-Za-z0-9_-]{10,}/;

/** A repository-scoped token every registry of `fixtureWith` has, with its password. */
const ciToken = { username: 'citoken', password: 'ci-token-password-1' };

/** Basic registries on which the `puller` service principal has AcrPull, `nobody` has no role, and `ciToken` may pull. */
function fixtureWith(registryNames: readonly string[], lifetimes: Partial<Lifetimes> = {}): object {
  const servicePrincipal = (name: string, objectId: string, client: { clientId: string; secret: string }): object => ({
    name,
    kind: 'servicePrincipal',
    displayName: name,
    objectId,
    clientId: client.clientId,
    tenants: [contoso],
    secrets: [client.secret],
  });
  return {
    lifetimes,
    tenants: [{ id: contoso, displayName: 'Contoso', defaultDomain: 'contoso.example' }],
    identities: [servicePrincipal('puller', '0b1d0000-0000-4000-8000-000000000003', clients.puller), servicePrincipal('nobody', '0b1d0000-0000-4000-8000-000000000004', clients.nobody)],
    subscriptions: [{ id: devSubscription, displayName: 'Contoso Dev', tenant: contoso }],
    registries: registryNames.map((name) => ({
      name,
      subscription: devSubscription,
      resourceGroup: 'apps-rg',
      location: 'eastus',
      sku: 'Basic',
      adminUserEnabled: false,
      roles: [{ identity: 'puller', role: 'AcrPull' }],
      scopeMaps: [{ name: 'pull-all', actions: ['repositories/*/content/read'] }],
      tokens: [{ name: ciToken.username, scopeMap: 'pull-all', passwords: [{ name: 'password1', value: ciToken.password }] }],
    })),
  };
}

function keepFresh(leadTimeMs: number, isTracked: (login: DockerLogin) => boolean = () => true): () => RefreshSettings {
  return () => ({ enabled: true, leadTimeMs, isTracked });
}

/** Timers that keep Node's event loop alive. */
/**
 * How many timers an action sets while it runs (synchronously). Counting the process's active timers instead
 * also counts those of requests still under way elsewhere (time-outs, keep-alive), which come and go.
 */
function timersSetBy(action: () => void): number {
  const original = globalThis.setTimeout;
  let count = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    count++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    action();
  } finally {
    globalThis.setTimeout = original;
  }
  return count;
}

/** A scheduler as one VS Code window runs it, with what it logged and each registry's health over time. */
class Window {
  readonly scheduler: RefreshScheduler;
  readonly info: string[] = [];
  readonly warnings: string[] = [];
  private readonly history = new Map<string, Health['kind'][]>();

  constructor(options: Omit<RefreshSchedulerOptions, 'log'>) {
    this.scheduler = new RefreshScheduler({ ...options, log: { info: (message) => this.info.push(message), warn: (message) => this.warnings.push(message) } });
    this.scheduler.onDidChange(() => {
      for (const { login, health } of this.scheduler.statuses()) {
        const kinds = this.history.get(login.loginServer) ?? [];
        if (kinds.at(-1) !== health.kind) kinds.push(health.kind);
        this.history.set(login.loginServer, kinds);
      }
    });
  }

  status(loginServer: string): RegistryStatus {
    const status = this.scheduler.statuses().find((candidate) => candidate.login.loginServer === loginServer);
    assert.ok(status, `${loginServer} is tracked`);
    return status;
  }

  /** Renewed since `login` was made, and healthy. */
  renewed(login: DockerLogin): boolean {
    const { login: current, health } = this.status(login.loginServer);
    return health.kind === 'ok' && current.expiresOn !== login.expiresOn;
  }

  /** The health kinds a registry went through, repeats left out. */
  healthKinds(loginServer: string): Health['kind'][] {
    return this.history.get(loginServer) ?? [];
  }
}

/** Token clients, logins and schedulers around one emulator, the way the extension wires them (without Docker). */
class Renewals {
  /** The logins the extension remembers (Memento, which every window sees). */
  readonly remembered = new Map<string, DockerLogin>();
  private readonly windows: Window[] = [];
  private readonly trust: HostTrust;

  constructor(private readonly emulator: RunningEmulator) {
    this.trust = { cloud: emulatorCloud(emulator), armLoginServers: emulator.registries.map((registry) => registry.loginServer) };
  }

  /** A real token client signed in as a service principal of the fixture. */
  async tokenClient(client = clients.puller, limits?: Partial<RequestLimits>): Promise<AcrTokenClient> {
    const { ClientSecretCredential } = await import('@azure/identity');
    const credential = new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: this.emulator.entra.authorityHost, disableInstanceDiscovery: true });
    return this.tokenClientWith(credential, limits);
  }

  tokenClientWith(credential: TokenCredential, limits?: Partial<RequestLimits>): AcrTokenClient {
    return new AcrTokenClient({ credential, trust: this.trust, limits });
  }

  /**
   * A sign-in method as the extension's Account makes it: the credential is set up from its description on the
   * first token request, and a description that does not work fails that request.
   */
  tokenClientFrom(description: unknown): AcrTokenClient {
    const cloud = this.trust.cloud;
    return this.tokenClientWith({ getToken: async (scopes, options) => (await createIdentityCredential(description, cloud)).getToken(scopes, options) });
  }

  /** A login with a repository-scoped token's name and password, remembered as the extension remembers it. */
  logInWithPassword(registryName: string, username: string): DockerLogin {
    const loginServer = this.emulator.loginServer(registryName);
    const login: DockerLogin = { loginServer, registryName, via: 'repositoryToken', username, loggedInAt: Date.now(), persisted: false, fromArm: false };
    this.remembered.set(loginServer, login);
    return login;
  }

  /** What DockerLogins.renew does for a password login: the registry checks the password the extension kept. */
  checkPasswordWith(password: string): RefreshSchedulerOptions['renew'] {
    return async (login, signal) => {
      await checkPasswordCredentials({ loginServer: login.loginServer }, { username: login.username, password }, { signal });
      return login;
    };
  }

  /** An Entra renewal that hands the new refresh token to the docker config in `dockerConfigDir`, as DockerLogins.renew does after the engine's check. */
  renewIntoDockerConfig(acr: AcrTokenClient, dockerConfigDir: string): RefreshSchedulerOptions['renew'] {
    return async (login, signal) => {
      acr.forget(login.loginServer);
      const refresh = await acr.refreshToken({ loginServer: login.loginServer, tenantId: login.tenantId }, { signal });
      await storeDockerCredential({ serverAddress: login.loginServer, username: nullGuid, secret: refresh.token }, { env: { ...process.env, DOCKER_CONFIG: dockerConfigDir } });
      const renewed: DockerLogin = { ...login, expiresOn: refresh.expiresOn, persisted: true };
      this.remembered.set(login.loginServer, renewed);
      return renewed;
    };
  }

  /** One exchange for an ACR refresh token, remembered as an Entra login. */
  async logIn(acr: AcrTokenClient, registryName: string): Promise<DockerLogin> {
    const loginServer = this.emulator.loginServer(registryName);
    const refresh = await acr.refreshToken({ loginServer, tenantId: contoso });
    const login: DockerLogin = {
      loginServer,
      registryName,
      via: 'entra',
      tenantId: contoso,
      source: 'clientSecret',
      account: refresh.account,
      username: nullGuid,
      loggedInAt: Date.now(),
      expiresOn: refresh.expiresOn,
      persisted: false,
      fromArm: true,
    };
    this.remembered.set(loginServer, login);
    return login;
  }

  /** A login whose credential lives 30 s (renewals get the usual 3 h): due at once with a `dueAtOnce` lead time. */
  async logInExpiringSoon(acr: AcrTokenClient, registryName: string): Promise<DockerLogin> {
    await this.emulator.client.setLifetimes({ acrRefreshSeconds: 30 });
    try {
      return await this.logIn(acr, registryName);
    } finally {
      await this.emulator.client.setLifetimes({ acrRefreshSeconds: usualRefreshSeconds });
    }
  }

  /** What DockerLogins.renew does for an Entra login, short of the Docker handoff: a fresh exchange, remembered. */
  renewWith(account: () => AcrTokenClient): RefreshSchedulerOptions['renew'] {
    return async (login, signal) => {
      const acr = account();
      acr.forget(login.loginServer);
      const refresh = await acr.refreshToken({ loginServer: login.loginServer, tenantId: login.tenantId }, { signal });
      const renewed: DockerLogin = { ...login, account: refresh.account ?? login.account, expiresOn: refresh.expiresOn };
      this.remembered.set(login.loginServer, renewed);
      return renewed;
    };
  }

  /** A window whose scheduler tracks the remembered logins (lead time 10 minutes unless told otherwise). */
  track(options: Partial<Omit<RefreshSchedulerOptions, 'log'>> & Pick<RefreshSchedulerOptions, 'renew'>): Window {
    const window = new Window({ logins: () => [...this.remembered.values()], settings: keepFresh(10 * 60_000), ...options });
    this.windows.push(window);
    return window;
  }

  /** The `/oauth2/exchange` requests a registry received, in order. */
  async exchanges(registryName: string): Promise<LogEntry[]> {
    const log = await this.emulator.client.log();
    return log.filter((entry) => entry.server === `registry:${registryName}` && entry.path === '/oauth2/exchange');
  }

  dispose(): void {
    for (const window of this.windows.splice(0)) window.scheduler.dispose();
  }
}

describe('refresh scheduler against the emulator', () => {
  describe('many registries', () => {
    const registryNames = Array.from({ length: 50 }, (_, i) => `fleet${String(i + 1).padStart(2, '0')}`);
    const leadTimeMs = 10 * 60_000;
    /** The scheduler spreads renewals over half the lead time (at most 2 minutes) before it. */
    const jitterWindowMs = 2 * 60_000;
    // Every registry runs its own docker-registry process.
    const emulator = useEmulator(fixtureWith(registryNames));
    let renewals: Renewals;

    before(() => {
      renewals = new Renewals(emulator());
    });

    after(() => {
      renewals?.dispose();
    });

    it('50 registries expiring at the same moment are renewed spread over the jitter window, each once, at its planned time', async () => {
      const acr = await renewals.tokenClient();
      const logins = await Promise.all(registryNames.map((name) => renewals.logIn(acr, name)));
      // All remembered as expiring at the same moment, the case the jitter is for.
      const expiresOn = Math.min(...logins.map((login) => login.expiresOn!));
      for (const login of logins) renewals.remembered.set(login.loginServer, { ...login, expiresOn });
      // Renewed credentials live 6 h, so none falls due again while the clock walks through this window.
      await emulator().client.setLifetimes({ acrRefreshSeconds: 2 * usualRefreshSeconds });

      // Injected randomness: the 50 draws evenly spaced over [0, 1), handed out in a scrambled order.
      const draws = registryNames.map((_, i) => ((i * 37) % registryNames.length) / registryNames.length);
      let drawn = 0;
      // A clock that moves only when the test moves it, starting before anything is due.
      const windowStart = expiresOn - leadTimeMs - jitterWindowMs;
      let clock = windowStart - 1000;
      const renewed: string[] = [];
      const renew = renewals.renewWith(() => acr);
      const window = renewals.track({
        renew: (login, signal) => {
          renewed.push(login.loginServer);
          return renew(login, signal);
        },
        settings: keepFresh(leadTimeMs),
        now: () => clock,
        random: () => draws[drawn++ % draws.length],
      });
      window.scheduler.sync();

      // The plan: each registry at its own point of the window, the draw saying where.
      const planned = new Map(window.scheduler.statuses().map(({ login, dueAt }) => [login.loginServer, dueAt!]));
      assert.equal(planned.size, registryNames.length);
      const offsets = [...planned.values()].map((dueAt) => (expiresOn - leadTimeMs - dueAt) / jitterWindowMs).sort((a, b) => a - b);
      assert.deepEqual(
        offsets.map((offset) => Math.round(offset * 1000)),
        [...draws].sort((a, b) => a - b).map((draw) => Math.round(draw * 1000)),
        'the renewals are not spread by the random draws',
      );
      const dueTimes = [...planned.values()].sort((a, b) => a - b);
      assert.ok(dueTimes[0] >= windowStart && dueTimes.at(-1)! <= expiresOn - leadTimeMs, 'a renewal is planned outside the jitter window');
      const gaps = dueTimes.slice(1).map((dueAt, i) => dueAt - dueTimes[i]);
      assert.ok(Math.min(...gaps) >= 2000, `two renewals are planned ${Math.min(...gaps)} ms apart`);

      // The clock walks through the window a quarter at a time: each step renews exactly what fell due, once.
      for (let quarter = 1; quarter <= 4; quarter++) {
        clock = windowStart + (quarter * jitterWindowMs) / 4;
        const due = [...planned].filter(([, dueAt]) => dueAt <= clock && dueAt > clock - jitterWindowMs / 4).map(([loginServer]) => loginServer);
        assert.ok(due.length > 0);
        renewed.length = 0;
        window.scheduler.checkDue();
        const renewing = window.scheduler.statuses().filter(({ health }) => health.kind === 'renewing').map(({ login }) => login.loginServer);
        assert.deepEqual(renewing.sort(), [...due].sort(), `renewing at quarter ${quarter} of the window`);
        await eventually(
          () => due.map((loginServer) => `${loginServer}: ${window.healthKinds(loginServer).join(' -> ')}`).join('; '),
          () => Promise.resolve(due.every((loginServer) => window.status(loginServer).health.kind === 'ok')),
          30_000,
          200,
        );
        assert.deepEqual([...renewed].sort(), [...due].sort(), `renewed at quarter ${quarter} of the window`);
      }
      for (const login of logins) {
        const name = login.registryName!;
        assert.deepEqual((await renewals.exchanges(name)).map((entry) => entry.status), [200, 200], `${name}: logged in once and renewed once`);
        const { login: current, dueAt } = window.status(login.loginServer);
        assert.ok(current.expiresOn! > expiresOn && dueAt! > clock, `${name} is not renewed for hours`);
      }
    });

    it('50 registries all overdue at once, as after sleep: every one renewed, at most 10 at a time', async () => {
      const acr = await renewals.tokenClient();
      await emulator().client.setLifetimes({ acrRefreshSeconds: usualRefreshSeconds });
      const logins = await Promise.all(registryNames.map((name) => renewals.logIn(acr, name)));
      // Renewed credentials live longer, so each renewal shows in a later expiry however soon it comes.
      await emulator().client.setLifetimes({ acrRefreshSeconds: 2 * usualRefreshSeconds });
      const renew = renewals.renewWith(() => acr);
      let underWay = 0;
      let peak = 0;
      let clockAheadMs = 0;
      const window = renewals.track({
        renew: async (login, signal) => {
          underWay += 1;
          peak = Math.max(peak, underWay);
          try {
            return await renew(login, signal);
          } finally {
            underWay -= 1;
          }
        },
        settings: keepFresh(leadTimeMs),
        now: () => Date.now() + clockAheadMs,
      });
      window.scheduler.sync();
      // Woken after the credentials' lifetime: every one is overdue, and renewals start for all of them at once.
      clockAheadMs = usualRefreshSeconds * 1000;
      window.scheduler.checkDue();
      clockAheadMs = 0;
      await eventually(
        () => `still not renewed: ${logins.filter((login) => !window.renewed(login)).map((login) => login.registryName).join(', ')}`,
        () => Promise.resolve(logins.every((login) => window.renewed(login))),
        60_000,
        200,
      );
      assert.ok(peak > 1 && peak <= 10, `${peak} renewals were under way at once`);
    });

    it('two windows, each with its own memory of the logins, sharing the global storage folder: 20 registries due at once in both are renewed once each, and both end up with every renewal', async () => {
      const storage = await mkdtemp(join(tmpdir(), 'acr-renewal-locks-'));
      const twenty = registryNames.slice(0, 20);
      const acr = await renewals.tokenClient();
      // Credentials that live 30 s, so every one is inside the 10-minute lead time; renewals get the usual 3 h.
      await emulator().client.setLifetimes({ acrRefreshSeconds: 30 });
      const logins = await Promise.all(twenty.map((name) => renewals.logIn(acr, name))).finally(() => emulator().client.setLifetimes({ acrRefreshSeconds: usualRefreshSeconds }));
      const roundStart = Math.max(0, ...(await emulator().client.log()).map((entry) => entry.seq));
      let clock = Date.now();
      const renewedBy: string[][] = [[], []];
      const memories: Map<string, DockerLogin>[] = [];
      const windows = await Promise.all(
        [0, 1].map(async (index) => {
          // Each window's own copy of the remembered logins, as two extension hosts each keep their own Memento.
          const memory = new Map(logins.map((login) => [login.loginServer, login]));
          memories.push(memory);
          const own = await renewals.tokenClient();
          const renew = renewals.renewWith(() => own);
          return new Window({
            logins: () => [...memory.values()],
            renew: async (login, signal) => {
              renewedBy[index].push(login.registryName!);
              const renewed = await renew(login, signal);
              memory.set(login.loginServer, renewed);
              return renewed;
            },
            adopt: (login, renewedElsewhere) => {
              memory.set(login.loginServer, renewedElsewhere);
              return Promise.resolve();
            },
            settings: keepFresh(leadTimeMs),
            lock: new FileRefreshLock(storage),
            now: () => clock,
            // No jitter: every registry falls due at the same moment in both windows.
            random: () => 0,
          });
        }),
      );
      try {
        for (const window of windows) window.scheduler.sync();
        for (const window of windows) window.scheduler.checkDue();
        const settled = (window: Window): boolean => window.scheduler.statuses().every(({ health }) => health.kind === 'ok');
        await eventually(() => windows.map((window, i) => `window ${i + 1}: ${twenty.map((name) => `${name} ${window.healthKinds(emulator().loginServer(name)).join(' -> ')}`).join(', ')}`).join('\n'), () => Promise.resolve(windows.every(settled)), 60_000, 200);
        // The window that found a lock taken looks again 30 s later, and then takes up the other's renewal.
        clock += 31_000;
        for (const window of windows) window.scheduler.checkDue();
        const renewedInBoth = (): boolean => logins.every((login) => windows.every((window) => window.renewed(login)));
        await eventually(() => `not renewed in both: ${logins.filter((login) => !windows.every((window) => window.renewed(login))).map((login) => login.registryName).join(', ')}`, () => Promise.resolve(renewedInBoth()), 60_000, 200);

        const round = (await emulator().client.log()).filter((entry) => entry.seq > roundStart && entry.path === '/oauth2/exchange');
        const perRegistry = twenty.map((name) => [name, round.filter((entry) => entry.server === `registry:${name}`).map((entry) => entry.status)]);
        assert.deepEqual(perRegistry.filter(([, statuses]) => statuses.length !== 1 || statuses[0] !== 200), [], 'registries not exchanged exactly once');
        assert.deepEqual([...renewedBy[0], ...renewedBy[1]].sort(), twenty, 'renewed twice, or not at all');
        for (const login of logins) {
          const [first, second] = windows.map((window) => window.status(login.loginServer));
          assert.deepEqual(second.login, first.login, `${login.registryName}: the windows remember different logins`);
          assert.ok(first.dueAt! > clock + 60 * 60_000, `${login.registryName} is due again within the hour`);
        }

        // A window's memory goes back to the logins before the round (another window's older copy written over
        // it): every registry looks overdue there again, and the records keep it from renewing any of them twice.
        for (const login of logins) memories[0].set(login.loginServer, login);
        windows[0].scheduler.sync();
        windows[0].scheduler.checkDue();
        await eventually(() => `not taken up again: ${logins.filter((login) => !windows[0].renewed(login)).map((login) => login.registryName).join(', ')}`, () => Promise.resolve(logins.every((login) => windows[0].renewed(login))), 60_000, 200);
        const again = (await emulator().client.log()).filter((entry) => entry.seq > roundStart && entry.path === '/oauth2/exchange');
        assert.equal(again.length, twenty.length, 'renewed again after the memory went back');
        assert.deepEqual(
          logins.filter((login) => memories[0].get(login.loginServer)?.expiresOn === login.expiresOn).map((login) => login.registryName),
          [],
          'the renewals were not remembered again',
        );
      } finally {
        for (const window of windows) window.scheduler.dispose();
        await rm(storage, { recursive: true, force: true });
      }
    });
  });

  describe('faults, settings and windows', () => {
    const emulator = useEmulator(fixtureWith(['contosoapps', 'contosoother']));
    let renewals: Renewals;

    beforeEach(async () => {
      renewals = new Renewals(emulator());
      await emulator().client.clearLog();
    });

    afterEach(async () => {
      renewals.dispose();
      await emulator().client.clearFaults();
      await emulator().client.setLifetimes({ acrRefreshSeconds: usualRefreshSeconds });
    });


    it('a 503 with Retry-After 5 on the exchange delays the retry by at least 5 s, then it succeeds', async () => {
      const acr = await renewals.tokenClient();
      const login = await renewals.logInExpiringSoon(acr, 'contosoapps');
      await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 503, retryAfter: 5, times: 1 });
      // No jitter: the first retry would back off 4 s, so only Retry-After can make it 5.
      const window = renewals.track({ renew: renewals.renewWith(() => acr), settings: keepFresh(dueAtOnce), random: () => 0 });
      let retrying: Extract<Health, { kind: 'retrying' }> | undefined;
      window.scheduler.onDidChange(() => {
        const { health } = window.status(login.loginServer);
        if (health.kind === 'retrying') retrying = health;
      });
      window.scheduler.sync();
      await eventually(() => `health: ${window.healthKinds(login.loginServer).join(' -> ')}`, () => Promise.resolve(window.renewed(login)), 20_000, 200);

      const [, failed, succeeded, ...more] = await renewals.exchanges('contosoapps');
      assert.deepEqual([failed?.status, succeeded?.status, more.length], [503, 200, 0]);
      const gapMs = Date.parse(succeeded.time) - Date.parse(failed.time);
      assert.ok(gapMs >= 5000, `retried ${gapMs} ms after the 503`);
      assert.ok(retrying?.error instanceof AcrError && retrying.error.kind === 'unavailable' && retrying.error.retryAfterSeconds === 5, String(retrying?.error));
      assert.ok(retrying.retryAt - Date.parse(failed.time) >= 5000);
      assert.deepEqual(window.healthKinds(login.loginServer), ['ok', 'renewing', 'retrying', 'renewing', 'ok']);
      assert.doesNotMatch([...window.info, ...window.warnings].join('\n'), tokenShape);
    });

    it('backs off exponentially on repeated failures, from 5 s doubling up to 5 minutes, and starts over after a success', async () => {
      const acr = await renewals.tokenClient();
      const login = await renewals.logIn(acr, 'contosoapps');
      const outage = await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 500 });
      // A clock that stands still reads each retryAt exactly; the middle of the jitter range leaves the backoff as it is.
      const clock = Date.now();
      const window = renewals.track({ renew: renewals.renewWith(() => acr), now: () => clock, random: () => 0.5 });
      window.scheduler.sync();
      const waitsSeconds: number[] = [];
      for (let attempt = 1; attempt <= 9; attempt++) {
        await window.scheduler.renewNow();
        const { health, dueAt } = window.status(login.loginServer);
        assert.ok(health.kind === 'retrying' && health.attempt === attempt, `attempt ${attempt}: ${JSON.stringify(health)}`);
        assert.equal(dueAt, health.retryAt);
        waitsSeconds.push((health.retryAt - clock) / 1000);
      }
      assert.deepEqual(waitsSeconds, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
      assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), [200, ...Array<number>(9).fill(500)]);

      await emulator().client.removeFault(outage);
      await window.scheduler.renewNow();
      assert.equal(window.status(login.loginServer).health.kind, 'ok');
      await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 500, times: 1 });
      await window.scheduler.renewNow();
      const { health } = window.status(login.loginServer);
      assert.ok(health.kind === 'retrying' && health.attempt === 1 && health.retryAt - clock === 5000, JSON.stringify(health));
    });

    it('a simulated wake from sleep (clock moved past the lead time) is renewed by the next heartbeat, unasked', async () => {
      const acr = await renewals.tokenClient();
      const login = await renewals.logIn(acr, 'contosoapps');
      const leadTimeMs = 10 * 60_000;
      // A wall clock that moves only when the test moves it; every heartbeat reads it.
      let clock = Date.now();
      let clockReads = 0;
      const now = (): number => {
        clockReads += 1;
        return clock;
      };
      // No jitter: due exactly a lead time before exp.
      const window = renewals.track({ renew: renewals.renewWith(() => acr), settings: keepFresh(leadTimeMs), now, random: () => 0, heartbeatMs: 50 });
      window.scheduler.sync();
      assert.equal(window.status(login.loginServer).dueAt, login.expiresOn! - leadTimeMs);
      const readsAtStart = clockReads;
      await eventually(() => 'the scheduler does not wake up on its heartbeat', () => Promise.resolve(clockReads >= readsAtStart + 20), 10_000, 200);
      assert.equal((await renewals.exchanges('contosoapps')).length, 1, 'renewed while the credential has hours left');

      // The computer slept: the wall clock jumped past the lead time, the timers did not count the time asleep.
      // The renewed credential lives 6 h, so on the moved clock it is not due again at once.
      await emulator().client.setLifetimes({ acrRefreshSeconds: 2 * usualRefreshSeconds });
      clock = login.expiresOn! - leadTimeMs + 1000;
      await eventually(() => `health: ${window.healthKinds(login.loginServer).join(' -> ')}`, () => Promise.resolve(window.renewed(login)), 10_000, 200);
      window.scheduler.dispose();
      assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), [200, 200]);
      assert.match(window.info.join('\n'), /clock moved/);
    });

    it('a failure only the user can fix (no role on the registry) is not retried until the user signs in again', async () => {
      const puller = await renewals.tokenClient(clients.puller);
      const nobody = await renewals.tokenClient(clients.nobody);
      const login = await renewals.logInExpiringSoon(puller, 'contosoapps');
      // The user switched to an account without a role on the registry; renewals use the current account.
      let account = nobody;
      const window = renewals.track({ renew: renewals.renewWith(() => account), settings: keepFresh(dueAtOnce), heartbeatMs: 200 });
      window.scheduler.sync();
      await eventually(() => window.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(window.status(login.loginServer).health.kind === 'needsUser'), 10_000, 200);
      const { health, dueAt } = window.status(login.loginServer);
      assert.ok(health.kind === 'needsUser' && health.error instanceof AcrError && health.error.kind === 'noRole', JSON.stringify(health));
      assert.ok(adviceFor(health.error).needsUser);
      assert.equal(dueAt, undefined);

      const attempts = (await renewals.exchanges('contosoapps')).map((entry) => entry.status);
      assert.deepEqual(attempts, [200, 403]);
      await sleep(1500);
      // The window gets focus again: still nothing to retry.
      window.scheduler.checkDue();
      await sleep(200);
      assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), attempts, 'no retry on the timer');
      assert.equal(window.warnings.length, 1, window.warnings.join('\n'));
      assert.doesNotMatch(window.warnings.join('\n'), tokenShape);

      account = puller;
      await window.scheduler.retryWaitingForUser();
      assert.ok(window.renewed(login), JSON.stringify(window.status(login.loginServer).health));
      assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), [200, 403, 200]);
      assert.deepEqual(window.healthKinds(login.loginServer), ['ok', 'renewing', 'needsUser', 'renewing', 'ok']);
    });

    describe('failures only the user can fix wait for the user, and are not retried on the timer', () => {
      let dir: string;

      beforeEach(async () => {
        dir = await mkdtemp(join(tmpdir(), 'acr-renewal-failures-'));
      });

      afterEach(async () => {
        await rm(dir, { recursive: true, force: true });
      });

      interface UserMustAct {
        readonly name: string;
        readonly nextStep: NextStep;
        readonly kind: string;
        /** The login, the renewal that will fail for it, and what must not appear in the log. */
        prepare(): Promise<{ login: DockerLogin; renew: RefreshSchedulerOptions['renew']; secrets: string[] }>;
        /** Checks made once the renewal failed. */
        after?(): Promise<void>;
      }

      const brokenConfig = `{"auths": {"elsewhere.example": {"auth": "${Buffer.from('me:my-own-docker-password').toString('base64')}"}},`;
      const cases: UserMustAct[] = [
        {
          name: 'a docker config that does not parse',
          nextStep: 'fixDockerConfig',
          kind: 'docker.configUnreadable',
          prepare: async () => {
            const acr = await renewals.tokenClient();
            await writeFile(join(dir, 'config.json'), brokenConfig);
            return { login: await renewals.logInExpiringSoon(acr, 'contosoapps'), renew: renewals.renewIntoDockerConfig(acr, dir), secrets: ['my-own-docker-password'] };
          },
          after: async () => assert.equal(await readFile(join(dir, 'config.json'), 'utf8'), brokenConfig, 'the docker config was changed'),
        },
        {
          name: 'a sign-in method whose certificate file is gone',
          nextStep: 'signIn',
          kind: 'auth.signInMethod',
          prepare: async () => {
            const login = await renewals.logInExpiringSoon(await renewals.tokenClient(), 'contosoapps');
            const moved = renewals.tokenClientFrom({ kind: 'clientCertificate', tenant: contoso, clientId: clients.puller.clientId, certificatePath: join(dir, 'moved.pem') });
            return { login, renew: renewals.renewWith(() => moved), secrets: [] };
          },
        },
        {
          name: 'a repository token password regenerated elsewhere',
          nextStep: 'enterPassword',
          kind: 'acr.credentialsRejected',
          prepare: () => {
            const stale = 'the-password-before-regeneration';
            return Promise.resolve({ login: renewals.logInWithPassword('contosoapps', ciToken.username), renew: renewals.checkPasswordWith(stale), secrets: [stale] });
          },
        },
        {
          name: 'a registry firewall that refuses this network',
          nextStep: 'fixNetwork',
          kind: 'acr.firewall',
          prepare: async () => {
            const acr = await renewals.tokenClient();
            const login = await renewals.logInExpiringSoon(acr, 'contosoapps');
            // ACR's own words for a caller outside the registry's network rules (docs/protocol.md section 3).
            const body = { errors: [{ code: 'DENIED', message: "client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access." }] };
            await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 403, body });
            return { login, renew: renewals.renewWith(() => acr), secrets: [] };
          },
        },
      ];

      for (const failure of cases) {
        it(`${failure.name}: ${failure.kind}, next step ${failure.nextStep}`, async () => {
          const { login, renew, secrets } = await failure.prepare();
          let attempts = 0;
          let clockAheadMs = 0;
          const window = renewals.track({
            renew: (renewing, signal) => {
              attempts += 1;
              return renew(renewing, signal);
            },
            settings: keepFresh(dueAtOnce),
            now: () => Date.now() + clockAheadMs,
            heartbeatMs: 100,
          });
          window.scheduler.sync();
          await eventually(() => window.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(window.status(login.loginServer).health.kind === 'needsUser'), 10_000, 200);
          const { health, dueAt } = window.status(login.loginServer);
          assert.ok(health.kind === 'needsUser');
          const advice = adviceFor(health.error);
          assert.deepEqual({ needsUser: advice.needsUser, nextStep: advice.nextStep, kind: advice.kind }, { needsUser: true, nextStep: failure.nextStep, kind: failure.kind }, advice.message);
          assert.equal(dueAt, undefined);
          await failure.after?.();

          // Hours pass and the window gets focus again: nothing is tried again until the user acts.
          clockAheadMs = 3 * 3600_000;
          window.scheduler.checkDue();
          await sleep(300);
          assert.equal(attempts, 1, 'retried without the user');
          assert.deepEqual(window.healthKinds(login.loginServer), ['ok', 'renewing', 'needsUser']);
          assert.equal(window.warnings.length, 1, window.warnings.join('\n'));
          assert.ok(window.warnings[0].includes(advice.message), window.warnings[0]);
          const logged = [...window.info, ...window.warnings].join('\n');
          assert.doesNotMatch(logged, tokenShape);
          for (const secret of secrets) assert.ok(!logged.includes(secret), `the log holds a secret: ${logged}`);
        });
      }

      it('signed out with two registries due at the same moment: one of them asks for a sign-in token, and both wait for the user', async () => {
        const acr = await renewals.tokenClient();
        const logins = [await renewals.logInExpiringSoon(acr, 'contosoapps'), await renewals.logInExpiringSoon(acr, 'contosoother')];
        let tokenRequests = 0;
        const signedOut = renewals.tokenClientWith({
          getToken: () => {
            tokenRequests += 1;
            return Promise.reject(new NotSignedInError('Microsoft'));
          },
        });
        const window = renewals.track({ renew: renewals.renewWith(() => signedOut), settings: keepFresh(dueAtOnce) });
        window.scheduler.sync();
        // Both are due at once, so one timer starts both renewals in the same turn.
        window.scheduler.checkDue();
        for (const login of logins) {
          await eventually(() => window.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(window.status(login.loginServer).health.kind === 'needsUser'), 10_000, 200);
        }
        assert.equal(tokenRequests, 1);
        assert.equal(window.warnings.length, 1, window.warnings.join('\n'));
      });

      it('while a 503 (an outage) is retried on the timer with backoff until it passes', async () => {
        const acr = await renewals.tokenClient();
        const login = await renewals.logInExpiringSoon(acr, 'contosoapps');
        await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 503, times: 2 });
        let clockAheadMs = 0;
        const window = renewals.track({ renew: renewals.renewWith(() => acr), settings: keepFresh(dueAtOnce), now: () => Date.now() + clockAheadMs, random: () => 0.5, heartbeatMs: 100 });
        const retrying = (attempt: number) => () => {
          const { health } = window.status(login.loginServer);
          return Promise.resolve(health.kind === 'retrying' && health.attempt === attempt);
        };
        window.scheduler.sync();
        await eventually(() => window.healthKinds(login.loginServer).join(' -> '), retrying(1), 10_000, 200);
        const first = window.status(login.loginServer).health;
        assert.ok(first.kind === 'retrying');
        assert.deepEqual({ needsUser: adviceFor(first.error).needsUser, kind: adviceFor(first.error).kind }, { needsUser: false, kind: 'acr.unavailable' });
        assert.ok(first.retryAt > Date.now() + clockAheadMs, 'the retry is not due at once');

        // Past the first backoff (5 s), then past the second (10 s): the timer tries again each time, unasked.
        clockAheadMs = 6000;
        await eventually(() => window.healthKinds(login.loginServer).join(' -> '), retrying(2), 10_000, 200);
        clockAheadMs = 6000 + 11_000;
        await eventually(() => window.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(window.renewed(login)), 10_000, 200);
        assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), [200, 503, 503, 200]);
        assert.deepEqual(window.healthKinds(login.loginServer), ['ok', 'renewing', 'retrying', 'renewing', 'retrying', 'renewing', 'ok']);
      });
    });

    it('with auto-refresh off, sets no timer, renews nothing and has no due time', async () => {
      const acr = await renewals.tokenClient();
      const login = await renewals.logInExpiringSoon(acr, 'contosoapps');
      let enabled = false;
      const window = renewals.track({ renew: renewals.renewWith(() => acr), settings: () => ({ enabled, leadTimeMs: dueAtOnce, isTracked: () => true }), heartbeatMs: 200 });
      assert.equal(timersSetBy(() => window.scheduler.sync()), 0, 'a timer was set');
      assert.deepEqual(window.status(login.loginServer), { login, health: { kind: 'ok' }, dueAt: undefined });
      await sleep(1500);
      assert.equal((await renewals.exchanges('contosoapps')).length, 1, 'renewed with auto-refresh off');

      // The setting is switched on: the same login is renewed.
      enabled = true;
      assert.equal(timersSetBy(() => window.scheduler.sync()), 1, 'the timer of the renewal due');
      await eventually(() => window.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(window.renewed(login)), 10_000, 200);
    });

    it('renews only the registries the registries setting tracks', async () => {
      const acr = await renewals.tokenClient();
      const apps = await renewals.logInExpiringSoon(acr, 'contosoapps');
      const other = await renewals.logInExpiringSoon(acr, 'contosoother');
      const window = renewals.track({
        renew: renewals.renewWith(() => acr),
        settings: keepFresh(dueAtOnce, (login) => login.loginServer === apps.loginServer),
        heartbeatMs: 200,
      });
      window.scheduler.sync();
      await eventually(() => window.healthKinds(apps.loginServer).join(' -> '), () => Promise.resolve(window.renewed(apps)), 10_000, 200);
      await sleep(1000);
      assert.equal((await renewals.exchanges('contosoapps')).length, 2);
      assert.equal((await renewals.exchanges('contosoother')).length, 1, 'the untracked registry was renewed');
      assert.deepEqual(window.status(other.loginServer), { login: other, health: { kind: 'ok' }, dueAt: undefined });
    });

    it('drops a login that is no longer remembered, and cancels its renewal under way', async () => {
      // No time-out within the test's time: only the cancellation can end the renewal under way.
      const acr = await renewals.tokenClient(clients.puller, { timeoutMs: 3600_000 });
      const login = await renewals.logIn(acr, 'contosoapps');
      await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'hang' });
      const signals: AbortSignal[] = [];
      const renew = renewals.renewWith(() => acr);
      const window = renewals.track({
        renew: (renewing, signal) => {
          signals.push(signal);
          return renew(renewing, signal);
        },
      });
      window.scheduler.sync();
      const renewing = window.scheduler.renewNow();
      await eventually(() => 'the renewal did not reach the exchange', async () => (await renewals.exchanges('contosoapps')).length === 2, 10_000, 200);

      // Logged out (in this window or another).
      renewals.remembered.delete(login.loginServer);
      window.scheduler.sync();
      assert.deepEqual(window.scheduler.statuses(), []);
      assert.equal(signals.length, 1);
      assert.ok(signals[0].aborted, 'the renewal under way was not cancelled');
      // The registry never answers, so only the cancellation lets the renewal end.
      await renewing;
      assert.deepEqual(window.scheduler.statuses(), []);
      assert.deepEqual(window.warnings, [], 'a cancelled renewal is not a failure');
      assert.equal(renewals.remembered.size, 0);
    });

    describe('the renewal lock shared by windows (lock files in the global storage folder)', () => {
      let storage: string;
      beforeEach(async () => {
        storage = await mkdtemp(join(tmpdir(), 'acr-renewal-locks-'));
      });
      afterEach(() => rm(storage, { recursive: true, force: true }));

      it('two windows sharing the global storage folder renew a registry that falls due in both only once', async () => {
        const login = await renewals.logInExpiringSoon(await renewals.tokenClient(), 'contosoapps');
        const windows = await Promise.all(
          [1, 2].map(async () => {
            const acr = await renewals.tokenClient();
            // No jitter: both fall due at the same moment.
            return renewals.track({ renew: renewals.renewWith(() => acr), settings: keepFresh(dueAtOnce), lock: new FileRefreshLock(storage), random: () => 0, heartbeatMs: 200 });
          }),
        );
        for (const window of windows) window.scheduler.sync();
        const waiting = (window: Window): boolean => {
          const { login: current, health, dueAt } = window.status(login.loginServer);
          return current.expiresOn === login.expiresOn && health.kind === 'ok' && dueAt !== undefined && dueAt > Date.now() + 20_000;
        };
        await eventually(
          () => windows.map((window) => window.healthKinds(login.loginServer).join(' -> ')).join('; '),
          () => Promise.resolve(windows.some((window) => window.renewed(login)) && windows.some(waiting)),
          10_000,
          200,
        );
        const renewer = windows.find((window) => window.renewed(login))!;
        const other = windows.find(waiting)!;
        assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), [200, 200], 'a login and one renewal');
        // The renewer lets go of the lock just after it has recorded the renewal (the record stays beside it).
        const lockFiles = async (): Promise<string[]> => (await readdir(join(storage, 'renewal-locks'))).filter((name) => name.endsWith('.lock'));
        await eventually(() => 'the lock was not released', async () => (await lockFiles()).length === 0, 10_000);

        // The other window hears of the renewal (SecretStorage and Memento change events) and takes it as it is.
        other.scheduler.sync();
        const renewed = renewer.status(login.loginServer).login;
        assert.deepEqual(other.status(login.loginServer), { login: renewed, health: { kind: 'ok' }, dueAt: renewed.expiresOn! - dueAtOnce });
      });

      it('a window whose renewal waits its turn, and meanwhile hears of another window renewing that registry, takes that renewal up instead of renewing again', async () => {
        const acr = await renewals.tokenClient();
        const first = await renewals.logInExpiringSoon(acr, 'contosoapps');
        const waiting = await renewals.logInExpiringSoon(acr, 'contosoother');
        // The window's first renewal (contosoapps) leads, and the other waits for it until the test lets it go.
        let letGo = (): void => undefined;
        const leadingHeld = new Promise<void>((resolve) => (letGo = resolve));
        const renewedBy = { window: [] as string[], other: [] as string[] };
        const renew = renewals.renewWith(() => acr);
        const window = renewals.track({
          renew: async (login, signal) => {
            renewedBy.window.push(login.loginServer);
            if (login.loginServer === first.loginServer) await leadingHeld;
            return renew(login, signal);
          },
          settings: keepFresh(dueAtOnce),
          lock: new FileRefreshLock(storage),
          random: () => 0,
        });
        window.scheduler.sync();
        await eventually(() => 'contosoother is not waiting its turn', () => Promise.resolve(window.status(waiting.loginServer).health.kind === 'renewing'), 10_000, 50);

        // Another window renews contosoother meanwhile, and this one hears of it (a SecretStorage change event).
        const other = renewals.track({
          renew: (login, signal) => (renewedBy.other.push(login.loginServer), renew(login, signal)),
          settings: keepFresh(dueAtOnce, (login) => login.loginServer === waiting.loginServer),
          lock: new FileRefreshLock(storage),
          random: () => 0,
        });
        other.scheduler.sync();
        await eventually(() => 'the other window did not renew contosoother', () => Promise.resolve(other.renewed(waiting)), 10_000, 50);
        window.scheduler.sync();

        letGo();
        await eventually(() => `contosoother in this window: ${window.healthKinds(waiting.loginServer).join(' -> ')}`, () => Promise.resolve(window.renewed(waiting)), 10_000, 50);
        assert.deepEqual(renewedBy, { window: [first.loginServer], other: [waiting.loginServer] });
        assert.deepEqual(window.status(waiting.loginServer).login, other.status(waiting.loginServer).login);
        assert.ok(window.info.some((line) => line.startsWith(`Another window renewed ${waiting.loginServer} already`)), window.info.join('\n'));
        assert.deepEqual((await renewals.exchanges('contosoother')).map((entry) => entry.status), [200, 200], 'a login and one renewal');
      });

      it('a password checked in one window is not checked again by another that takes the lock after it, until the hour is over', async () => {
        const login = renewals.logInWithPassword('contosoapps', ciToken.username);
        let clock = Date.now();
        const checkedBy: number[] = [];
        const windows = [1, 2].map((number) => {
          const check = renewals.checkPasswordWith(ciToken.password);
          return renewals.track({
            renew: (current, signal) => {
              checkedBy.push(number);
              return check(current, signal);
            },
            lock: new FileRefreshLock(storage),
            now: () => clock,
          });
        });
        for (const window of windows) window.scheduler.sync();
        const checkedOnce = (): boolean => checkedBy.length === 1 && windows.every((window) => window.status(login.loginServer).health.kind === 'ok');
        await eventually(() => `checked by ${checkedBy.join(', ')}`, () => Promise.resolve(checkedOnce()), 10_000, 200);
        // The window that found the lock taken looks again 30 s later, and finds the check recorded.
        clock += 31_000;
        for (const window of windows) window.scheduler.checkDue();
        await eventually(() => `checked by ${checkedBy.join(', ')}`, () => Promise.resolve(windows.every((window) => window.status(login.loginServer).dueAt! > clock)), 10_000, 200);
        assert.deepEqual(checkedBy.length, 1, `checked by windows ${checkedBy.join(', ')}`);
        clock += 60 * 60_000;
        for (const window of windows) window.scheduler.checkDue();
        await eventually(() => `checked by ${checkedBy.join(', ')}`, () => Promise.resolve(checkedBy.length === 2), 10_000, 200);
      });

      it('a renewal slower than the lock\'s stale time keeps its lock (heartbeat): another window due meanwhile finds it held, and the registry is renewed once', async () => {
        const login = await renewals.logInExpiringSoon(await renewals.tokenClient(), 'contosoapps');
        // Both windows and their locks on the test's clock, due now; the lock's heartbeat every 20 ms instead of 15 s.
        let clock = login.expiresOn!;
        const renewedBy: number[] = [];
        const [first, second] = await Promise.all(
          [1, 2].map(async (number) => {
            const acr = await renewals.tokenClient();
            const renew = renewals.renewWith(() => acr);
            return renewals.track({
              renew: (current, signal) => (renewedBy.push(number), renew(current, signal)),
              settings: keepFresh(dueAtOnce),
              lock: new FileRefreshLock(storage, { now: () => clock, heartbeatMs: 20 }),
              now: () => clock,
              random: () => 0,
            });
          }),
        );
        // The registry answers the exchange 10 s late, within the request time-out (30 s).
        await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'slow', delayMs: 10_000 });
        first.scheduler.sync();
        await eventually('the renewal did not reach the exchange', async () => (await renewals.exchanges('contosoapps')).length === 2, 10_000);

        // Three minutes pass while the first window waits for the registry: longer than the lock's stale time (2 minutes).
        clock += 3 * 60_000;
        const lockFile = join(storage, 'renewal-locks', (await readdir(join(storage, 'renewal-locks'))).find((name) => name.endsWith('.lock'))!);
        await eventually('the renewing window did not write the time into its lock', async () => (await lockHolder(lockFile))?.since === clock, 5_000, 20);
        second.scheduler.sync();
        await eventually(() => second.info.join('\n'), () => Promise.resolve(second.info.some((line) => line.startsWith(`Another window is renewing ${login.loginServer}`))), 5_000);

        await eventually(() => first.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(first.renewed(login)), 30_000, 200);
        // The second window looks again 30 s later, and takes up the first one's renewal.
        clock += 31_000;
        second.scheduler.checkDue();
        await eventually(() => second.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(second.renewed(login)), 30_000, 200);
        assert.deepEqual(renewedBy, [1], 'renewed by both windows');
        assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), [200, 200], 'a login and one renewal');
      });

      it('renews without the lock when the storage folder cannot be used, rather than not at all', async () => {
        const login = await renewals.logInExpiringSoon(await renewals.tokenClient(), 'contosoapps');
        const acr = await renewals.tokenClient();
        // A file where the folder should be: no lock file can be created under it.
        const notAFolder = join(storage, 'not-a-folder');
        await writeFile(notAFolder, '');
        const window = renewals.track({ renew: renewals.renewWith(() => acr), settings: keepFresh(dueAtOnce), lock: new FileRefreshLock(notAFolder), heartbeatMs: 200 });
        window.scheduler.sync();
        await eventually(() => window.healthKinds(login.loginServer).join(' -> '), () => Promise.resolve(window.renewed(login)), 10_000, 200);
        assert.deepEqual((await renewals.exchanges('contosoapps')).map((entry) => entry.status), [200, 200]);
        assert.ok(window.warnings.some((warning) => warning.includes('renewing without it')), window.warnings.join('\n'));
      });

      it('takes over a lock whose holder vanished once its hold time is over, and not before', async () => {
        let clock = Date.now();
        const lock = (): FileRefreshLock => new FileRefreshLock(storage, { now: () => clock, staleMs: 120_000 });
        const loginServer = emulator().loginServer('contosoapps');
        // A window takes the lock, then hangs (its process still runs) without releasing it.
        assert.ok(await lock().acquire(loginServer));
        const survivor = lock();
        assert.equal(await survivor.acquire(loginServer), undefined, 'taken while the holder may still be renewing');
        clock += 119_999;
        assert.equal(await survivor.acquire(loginServer), undefined, 'taken before the hold time was over');
        clock += 1;
        const release = await survivor.acquire(loginServer);
        assert.ok(release, 'not taken after the hold time');
        assert.equal(await lock().acquire(loginServer), undefined, 'a third window took it from the survivor');
        await release();
        assert.deepEqual(await readdir(join(storage, 'renewal-locks')), []);
      });
    });
  });
});
