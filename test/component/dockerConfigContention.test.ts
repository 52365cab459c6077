import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { DockerConfig } from '../../src/docker/config';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { pollConfig, runWorker } from './contention/harness';
import type { RenewerReport } from './contention/worker';
import { assertCaTrusted, componentFixture, nullGuid } from './emulatorSupport';

describe('docker config.json under contention: separate processes, the real docker CLI, a reader polling', () => {
  let engine: DockerEngine;
  let emulator: RunningEmulator;
  let dir: string;
  let configCount = 0;

  before(async () => {
    engine = await startDockerEngine();
    emulator = await startEmulator({ fixture: componentFixture });
    assertCaTrusted(emulator);
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-contention-'));
  });

  after(async () => {
    await emulator?.stop();
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const freshConfig = async (content: object, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ dir: string; file: string; env: NodeJS.ProcessEnv }> => {
    const configDir = join(dir, `docker-config-${++configCount}`);
    await mkdir(configDir, { mode: 0o700 });
    await writeFile(join(configDir, 'config.json'), JSON.stringify(content), { mode: 0o600 });
    return { dir: configDir, file: join(configDir, 'config.json'), env: { ...process.env, ...extraEnv, DOCKER_HOST: engine.host, DOCKER_CONFIG: configDir } };
  };

  it('N processes renewing the same 20 registries at once: each registry locked by one at a time, config.json holds every last renewal', async () => {
    const config = await freshConfig({ auths: { 'theirs.example': { auth: Buffer.from('them:theirs').toString('base64') } } });
    const storage = join(dir, 'global-storage');
    const journal = join(dir, 'renewals.jsonl');
    const registries = Array.from({ length: 20 }, (_, index) => `registry${String(index).padStart(2, '0')}.azurecr.io`);
    const processes = 6;
    const rounds = 15;
    const reader = pollConfig(config.file, yieldToOthers);
    const reports = await Promise.all(
      Array.from({ length: processes }, () => runWorker<RenewerReport>({ kind: 'renewer', dockerConfig: config.dir, storage, journal, registries, rounds }, config.env, 170_000)),
    );
    const polled = await reader.stop();

    const steps = (await readFile(journal, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { registry: string; pid: number; step: 'enter' | 'exit'; secret?: string });
    const overlaps: string[] = [];
    const last = new Map<string, string>();
    const holders = new Map<string, number>();
    for (const { registry, pid, step, secret } of steps) {
      if (step === 'enter') {
        if (holders.has(registry)) overlaps.push(`${registry}: ${pid} entered while ${holders.get(registry)} held it`);
        holders.set(registry, pid);
      } else {
        holders.delete(registry);
        last.set(registry, secret!);
      }
    }
    const written = JSON.parse(await readFile(config.file, 'utf8')) as DockerConfig;
    const lost = registries.filter((registry) => written.auths?.[registry]?.auth !== Buffer.from(`${nullGuid}:${last.get(registry)}`).toString('base64'));
    const renewals = reports.reduce((sum, report) => sum + report.renewals, 0);
    const lockedOut = reports.reduce((sum, report) => sum + report.lockedOut, 0);
    console.log(
      `      renewal locks: ${processes} processes x ${rounds} rounds x ${registries.length} registries; ${renewals} renewals, ${lockedOut} found the lock taken, ${overlaps.length} overlaps; ` +
        `${registries.length - lost.length}/${registries.length} entries hold the last renewal; ${polled.reads} reads, ${polled.partial} partial`,
    );
    assert.deepEqual(overlaps, [], 'two processes held one registry\'s lock at once');
    assert.equal(renewals + lockedOut, processes * rounds * registries.length);
    assert.ok(lockedOut > 0, 'the processes never met on a lock: the test proves nothing');
    assert.deepEqual(lost, [], 'entries lost or not the last renewal');
    assert.ok(written.auths?.['theirs.example'], 'an entry of another program was lost');
    assert.deepEqual([polled.partial, polled.wrongMode], [0, 0]);
    assert.equal((await stat(config.file)).mode & 0o777, 0o600);
  });
});
