// Renewals at scale: 200 registries logged in at once, so all fall due within a minute or two, renewed through
// RefreshScheduler the way the extension renews (a fresh exchange, the engine's check, the stored credential
// replaced). Whether each is renewed before its exp, how many exchanges run at once, and what the scheduler
// costs while nothing is due; then the same 200 all overdue at once, as after the computer slept.
import { createHook } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import type { DockerLogin } from '../../src/auth/signInState';
import { connectDockerEngine, DockerEngineConnection } from '../../src/docker/engine';
import { handOffToDocker } from '../../src/docker/handoff';
import { RefreshScheduler } from '../../src/status/refreshScheduler';
import { emulatorCloud } from '../component/emulatorSupport';
import { RunningEmulator } from '../world/emulator';
import { contoso, nullGuid, puller, startEmulatorPatiently, tokenAtHand } from './benchWorld';
import { single } from './measure';
import { limitRow, Row } from './report';

const registries = 200;
/** Registries per emulator: each is a docker-registry process, and an emulator starts its own all at once. */
const perEmulator = 50;
/** The ACR refresh tokens handed out at login live this long; renewed ones live the usual 3 hours. */
const firstLifetimeSeconds = 300;
/** Renewal 3 minutes before exp, spread over the 90 s before that (half the lead time, at most 2 minutes). */
const leadTimeMs = 180_000;
/** The scheduler's longest wait (its default), which bounds how often it wakes while nothing is due. */
const heartbeatMs = 60_000;
const idleWindowMs = 65_000;
/** The bound on exchanges at once while renewals fall due on schedule; see the README's Benchmarks section. */
const concurrentExchangesBound = 10;

function fixture(first: number): object {
  const names = Array.from({ length: perEmulator }, (_, index) => `renew${String(first + index).padStart(3, '0')}`);
  return {
    lifetimes: { acrRefreshSeconds: firstLifetimeSeconds },
    tenants: [{ id: contoso, displayName: 'Contoso', defaultDomain: 'contoso.example' }],
    identities: [{ name: 'puller', kind: 'servicePrincipal', displayName: 'puller', objectId: '0b1d0000-0000-4000-8000-000000000003', clientId: puller.clientId, tenants: [contoso], secrets: [puller.secret] }],
    subscriptions: [{ id: '5eb50000-0000-4000-8000-0000000000ee', displayName: 'Renewals', tenant: contoso }],
    registries: names.map((name) => ({ name, subscription: '5eb50000-0000-4000-8000-0000000000ee', resourceGroup: 'renew-rg', location: 'eastus', sku: 'Basic', adminUserEnabled: false, roles: [{ identity: 'puller', role: 'AcrPull' }] })),
  };
}

/**
 * Watches the scheduler's own timers (those set from refreshScheduler.ts): from `counting()` on, how many of
 * them fired and the CPU time their callbacks took. Enabled before the scheduler starts, so the timer it armed
 * before counting began is known too.
 */
function schedulerTimers(): { counting(): void; readonly wakeUps: number; readonly cpuMs: number; stop(): void } {
  const timers = new Set<number>();
  let counting = false;
  let wakeUps = 0;
  let cpuMicros = 0;
  let started: NodeJS.CpuUsage | undefined;
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const hook = createHook({
    init(asyncId, type) {
      if (type === 'Timeout' && (new Error().stack ?? '').includes('refreshScheduler')) timers.add(asyncId);
    },
    before(asyncId) {
      if (!counting || !timers.has(asyncId)) return;
      wakeUps++;
      started = process.cpuUsage();
    },
    after(asyncId) {
      if (!started || !timers.has(asyncId)) return;
      const used = process.cpuUsage(started);
      cpuMicros += used.user + used.system;
      started = undefined;
    },
  }).enable();
  return {
    counting: () => (counting = true),
    get wakeUps() {
      return wakeUps;
    },
    get cpuMs() {
      return cpuMicros / 1000;
    },
    stop: () => {
      hook.disable();
      Error.stackTraceLimit = stackLimit;
    },
  };
}

interface Registry {
  readonly emulator: RunningEmulator;
  readonly client: AcrTokenClient;
}

export async function renewalsBench(): Promise<Row[]> {
  const emulators: RunningEmulator[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'acr-bench-renewals-'));
  const environment = { env: { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') } };
  let scheduler: RefreshScheduler | undefined;
  let watch: ReturnType<typeof schedulerTimers> | undefined;
  try {
    const byServer = new Map<string, Registry>();
    for (let first = 1; first <= registries; first += perEmulator) {
      const emulator = await startEmulatorPatiently(fixture(first));
      emulators.push(emulator);
      const trust = { cloud: emulatorCloud(emulator), armLoginServers: emulator.registries.map((registry) => registry.loginServer) };
      const client = new AcrTokenClient({ credential: await tokenAtHand(emulator), trust });
      for (const registry of emulator.registries) byServer.set(registry.loginServer, { emulator, client });
      console.log(`  ${byServer.size} registries started`);
    }
    const engine: DockerEngineConnection = await connectDockerEngine();

    let exchanging = 0;
    let peakExchanges = 0;
    const exchange = async (loginServer: string, signal?: AbortSignal) => {
      const { client } = byServer.get(loginServer)!;
      exchanging++;
      peakExchanges = Math.max(peakExchanges, exchanging);
      try {
        return await client.refreshToken({ loginServer }, { signal });
      } finally {
        exchanging--;
      }
    };
    const secrets = new Map<string, string>();
    const logins = new Map<string, DockerLogin>();
    /** As DockerLogins.logInWithAccount and .renew: exchange, the engine's check, the credential stored or replaced. */
    const handOff = async (loginServer: string, signal?: AbortSignal): Promise<DockerLogin> => {
      const previous = secrets.get(loginServer);
      byServer.get(loginServer)!.client.forget(loginServer);
      const refresh = await exchange(loginServer, signal);
      const replacing = previous ? { serverAddress: loginServer, username: nullGuid, secret: previous } : undefined;
      await handOffToDocker({ serverAddress: loginServer, username: nullGuid, secret: refresh.token }, { persist: true, engine, environment, replacing, signal });
      secrets.set(loginServer, refresh.token);
      const login: DockerLogin = { ...(logins.get(loginServer) ?? { loginServer, via: 'entra', username: nullGuid, loggedInAt: Date.now(), persisted: true, fromArm: true }), expiresOn: refresh.expiresOn };
      logins.set(loginServer, login);
      return login;
    };

    // Log in to all of them (ten at a time), then let renewed tokens live the usual 3 hours.
    const servers = [...byServer.keys()];
    for (let index = 0; index < servers.length; index += 10) await Promise.all(servers.slice(index, index + 10).map((server) => handOff(server)));
    const firstExpiry = new Map([...logins].map(([server, login]) => [server, login.expiresOn!]));
    const expiries = [...firstExpiry.values()];
    const dueSpreadS = (Math.max(...expiries) - Math.min(...expiries)) / 1000;
    for (const emulator of emulators) await emulator.client.setLifetimes({ acrRefreshSeconds: 3 * 3600 });
    console.log(`  ${logins.size} logged in; their exps lie within ${dueSpreadS.toFixed(0)} s of each other`);

    // Renewals on schedule.
    peakExchanges = 0;
    const renewedAt = new Map<string, number>();
    const failures: string[] = [];
    watch = schedulerTimers();
    let skewMs = 0;
    scheduler = new RefreshScheduler({
      logins: () => [...logins.values()],
      renew: async (login, signal) => {
        const renewed = await handOff(login.loginServer, signal);
        renewedAt.set(login.loginServer, Date.now());
        return renewed;
      },
      settings: () => ({ enabled: true, leadTimeMs, isTracked: () => true }),
      log: { info: () => undefined, warn: (message) => failures.push(message) },
      now: () => Date.now() + skewMs,
      heartbeatMs,
    });
    scheduler.sync();
    const deadline = Math.max(...expiries) + 10_000;
    while (renewedAt.size < registries && Date.now() < deadline) await sleep(1000);
    const inTime = [...renewedAt].filter(([server, at]) => at < firstExpiry.get(server)!).length;
    const onSchedulePeak = peakExchanges;
    console.log(`  ${renewedAt.size} renewed, ${inTime} before exp; ${failures.length} failures`);

    // Nothing due for hours: what the scheduler costs meanwhile.
    await sleep(10_000);
    watch.counting();
    const cpuBefore = process.cpuUsage();
    await sleep(idleWindowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const idle = { wakeUps: watch.wakeUps, schedulerCpuMs: watch.cpuMs, processCpuMs: (cpu.user + cpu.system) / 1000 };
    watch.stop();

    // All overdue at once, as when the computer wakes after hours asleep (the clock moved 4 hours on); the
    // tokens they get then last a day, so they are not overdue again at once.
    for (const emulator of emulators) await emulator.client.setLifetimes({ acrRefreshSeconds: 24 * 3600 });
    peakExchanges = 0;
    renewedAt.clear();
    skewMs = 4 * 3600_000;
    const started = Date.now();
    scheduler.checkDue();
    while (renewedAt.size < registries && Date.now() < started + 300_000) await sleep(200);
    const afterSleepMs = Date.now() - started;

    const bench = 'renewals at scale';
    const renewedInTime: Row = {
      bench,
      metric: `renewed before exp: ${registries} logged in at once, exps within ${dueSpreadS.toFixed(0)} s`,
      ours: single(inTime, `of ${registries}`),
      goal: `${registries} of ${registries}`,
      verdict: inTime === registries ? 'met' : 'missed',
      ...(failures.length > 0 ? { note: failures.slice(0, 3).join('; ') } : {}),
    };
    return [
      renewedInTime,
      limitRow(bench, 'peak concurrent exchanges, renewals on schedule', single(onSchedulePeak, ''), concurrentExchangesBound, `<= ${concurrentExchangesBound}`),
      limitRow(bench, `scheduler wake-ups in ${idleWindowMs / 1000} s with nothing due`, single(idle.wakeUps, ''), Math.ceil(idleWindowMs / heartbeatMs), `<= ${Math.ceil(idleWindowMs / heartbeatMs)} (its heartbeat, once a minute)`),
      limitRow(bench, `scheduler CPU time in those ${idleWindowMs / 1000} s`, single(Math.round(idle.schedulerCpuMs * 100) / 100, 'ms'), undefined, '-', `user plus system time of its timer callbacks; the whole benchmark process used ${idle.processCpuMs.toFixed(0)} ms`),
      limitRow(bench, `peak concurrent exchanges, all ${registries} overdue at once (waking from sleep)`, single(peakExchanges, ''), undefined, '-', `${renewedAt.size} renewed in ${(afterSleepMs / 1000).toFixed(1)} s; the scheduler runs at most 10 renewals at a time`),
    ];
  } finally {
    watch?.stop();
    scheduler?.dispose();
    await Promise.all(emulators.map((emulator) => emulator.stop()));
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}
