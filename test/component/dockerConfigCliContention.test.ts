import assert from 'node:assert/strict';
import { access, chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { DockerConfig } from '../../src/docker/config';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { pollConfig, runWorker } from './contention/harness';
import type { CliReport, CommandRun, Interval, WriterReport, WriterStep } from './contention/worker';
import { assertCaTrusted, contoso, devSubscription, nullGuid } from './emulatorSupport';

// 20 writers. Docker CLI writers take turns among themselves, so their commands run one at a time; each costs
// about 90 ms of CPU (the docker binary's start) on an idle machine, and seconds on a loaded one: they are what
// bounds this test's time on two cores.
const extensionWriters = 19;
const cliWriters = 1;
const rounds = Number(process.env.ACR_TEST_ROUNDS ?? 200);
const workerTimeoutMs = 600_000;
const tokenName = 'contention';
const tokenPassword = 'contention-token-password';

/** A world of small registries, one per docker CLI writer, each with a repository-scoped token to log in with. */
const fixture = {
  tenants: [{ id: contoso, displayName: 'Contoso', defaultDomain: 'contoso.example' }],
  identities: [],
  subscriptions: [{ id: devSubscription, displayName: 'Contoso Dev', tenant: contoso }],
  registries: Array.from({ length: cliWriters }, (_, index) => ({
    name: `contention${index}`,
    subscription: devSubscription,
    resourceGroup: 'contention-rg',
    location: 'eastus',
    sku: 'Basic',
    adminUserEnabled: false,
    repositories: { hello: ['v1'] },
    tokens: [{ name: tokenName, scopeMap: '_repositories_pull', passwords: [{ name: 'password1', value: tokenPassword }] }],
  })),
};

/**
 * A credential helper that keeps each server's credential in a file of its own under $ACR_TEST_HELPER_STORE
 * (erased: emptied). Shell built-ins only, since it runs thousands of times here; servers are host[:port].
 */
const helperScript = `#!/bin/sh
set -u
IFS= read -r input || true
case "$1" in
  store)
    server=\${input#*\\"ServerURL\\":\\"}
    server=\${server%%\\"*}
    printf '%s' "$input" > "$ACR_TEST_HELPER_STORE/$server.json" ;;
  get)
    if [ -s "$ACR_TEST_HELPER_STORE/$input.json" ]; then
      IFS= read -r stored < "$ACR_TEST_HELPER_STORE/$input.json" || true
      printf '%s\\n' "$stored"
    else
      echo "credentials not found in native keychain"; exit 1
    fi ;;
  erase)
    : > "$ACR_TEST_HELPER_STORE/$input.json" ;;
  *) echo "unknown action $1" >&2; exit 2 ;;
esac
`;

async function dockerProgram(): Promise<string> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (await access(join(folder, 'docker')).then(() => true, () => false)) return join(folder, 'docker');
  }
  throw new Error('docker is not installed');
}

/**
 * Whether a docker command ran while an extension write went into config.json. Only such a command can have
 * undone the write: one that read config.json before it and renamed its stale copy over it after, so it started
 * before the write ended and finished after it began.
 */
const ranDuring = (command: CommandRun, write: Interval): boolean => command.started < write.to && command.finished > write.from;

describe('docker config.json under contention with the real docker login and docker logout', () => {
  let engine: DockerEngine;
  let emulator: RunningEmulator;
  let dir: string;

  before(async () => {
    engine = await startDockerEngine();
    emulator = await startEmulator({ fixture });
    assertCaTrusted(emulator);
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-cli-contention-'));
    // Only docker and the test's helper on PATH: with docker-credential-pass installed, docker would pick it by
    // default, and every docker command would start it.
    await mkdir(join(dir, 'bin'));
    await symlink(await dockerProgram(), join(dir, 'bin', 'docker'));
    await writeFile(join(dir, 'bin', 'docker-credential-acrtest'), helperScript);
    await chmod(join(dir, 'bin', 'docker-credential-acrtest'), 0o755);
  });

  after(async () => {
    await emulator?.stop();
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  for (const throughHelper of [false, true]) {
    const where = throughHelper ? 'through a credential helper (credsStore)' : 'in config.json';
    it(`${extensionWriters} extension writers and ${cliWriters} docker CLI writers x ${rounds} rounds, ${where}: the extension loses no entry, no read is partial, mode stays 0600`, async function () {
      this.timeout(10 * 60_000);
      const configDir = join(dir, throughHelper ? 'helper' : 'plain');
      const helperStore = join(dir, throughHelper ? 'helper-store' : 'unused-store');
      await mkdir(configDir, { mode: 0o700 });
      await mkdir(helperStore, { mode: 0o700 });
      const file = join(configDir, 'config.json');
      const theirs = { auth: Buffer.from('them:theirs').toString('base64') };
      await writeFile(file, JSON.stringify({ auths: { 'theirs.example': theirs }, ...(throughHelper ? { credsStore: 'acrtest' } : {}) }), { mode: 0o600 });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DOCKER_HOST: engine.host,
        DOCKER_CONFIG: configDir,
        PATH: join(dir, 'bin'),
        ACR_TEST_HELPER_STORE: helperStore,
      };
      const extensionHosts = Array.from({ length: extensionWriters }, (_, index) => `extension${String(index).padStart(2, '0')}.azurecr.io`);
      const cliHosts = emulator.registries.map((registry) => registry.loginServer);
      assert.equal(cliHosts.length, cliWriters);

      // A millisecond's pause between reads leaves the CPU to the writers; a file written in place would still be
      // caught half-written many times over.
      const reader = pollConfig(file, () => pause(1));
      const [extensionReports, cliReports] = await Promise.all([
        Promise.all(extensionHosts.map((host) => runWorker<WriterReport>({ kind: 'writer', dockerConfig: configDir, host, rounds, helper: throughHelper }, env, workerTimeoutMs))),
        Promise.all(
          cliHosts.map((host) =>
            runWorker<CliReport>({ kind: 'cli', dockerConfig: configDir, host, username: tokenName, rounds, turnLock: join(dir, `${throughHelper}-cli-turn.lock`) }, { ...env, ACR_TEST_CLI_PASSWORD: tokenPassword }, workerTimeoutMs),
          ),
        ),
      ]);
      const polled = await reader.stop();
      const written = JSON.parse(await readFile(file, 'utf8')) as DockerConfig;
      const cliRuns = cliReports.flatMap((report) => report.runs);

      // The docker CLI takes no lock: it reads config.json when it starts and renames its whole copy over it when
      // it saves, so an extension write landing in between is undone (or an erased entry brought back). Each
      // extension writer is alone on its host, so an extension step found wrong can be excused as the CLI's doing
      // only if a docker command ran while its write went in; a step found wrong that wrote nothing, or with no
      // docker command running across its write, was lost by the extension. Shown: with the edit not made again
      // when config.json changed under the lock (src/docker/config.ts), 50 rounds lost 29 and 18 extension steps
      // here, all of which the earlier rule (any docker command since the entry was last right) excused.
      const cliRanDuring = (write: Interval | undefined): boolean => write !== undefined && cliRuns.some((command) => ranDuring(command, write));
      const steps = extensionReports.flatMap((report, index) => report.steps.map((step) => ({ host: extensionHosts[index], step })));
      const writesDuringCli = steps.filter(({ step }) => cliRanDuring(step.wrote)).length;
      // A docker command renames config.json once, so it can undo at most one step of each extension host.
      const commandHostOverlaps = extensionReports.reduce((sum, report) => sum + cliRuns.filter((command) => report.steps.some(({ wrote }) => wrote !== undefined && ranDuring(command, wrote))).length, 0);
      const extensionMismatches = steps.filter(({ step }) => !step.held);
      const undoneByCli = extensionMismatches.filter(({ step }) => cliRanDuring(step.wrote));
      const lostByExtensionOwn = extensionMismatches.filter(({ step }) => !cliRanDuring(step.wrote));
      const lastSecretOf = (host: string): string => `secret-${host}-${rounds - 1}`;
      const finalWrong = extensionHosts.filter((host) => {
        const entry = written.auths?.[host];
        return entry === undefined || (!throughHelper && entry.auth !== Buffer.from(`${nullGuid}:${lastSecretOf(host)}`).toString('base64'));
      });
      const finalUndoneByCli = finalWrong.filter((host) => cliRanDuring(extensionReports[extensionHosts.indexOf(host)].steps.at(-1)?.wrote));
      const finalLostByExtensionOwn = finalWrong.filter((host) => !finalUndoneByCli.includes(host));
      // The docker CLI writers take turns, so an entry of theirs found wrong (right after their command, or before
      // their next one) can only have been changed by an extension writer.
      const describeStep = (host: string, { round, expected }: Pick<WriterStep, 'round' | 'expected'>): string => `${host} round ${round}: expected ${expected}`;
      const cliLostByExtension = cliReports.flatMap((report, index) => report.mismatches.map((mismatch) => describeStep(cliHosts[index], mismatch)));
      const cliFinalLostByExtension = cliHosts.filter((host) => written.auths?.[host] === undefined);
      const failures = cliReports.flatMap((report) => report.failures);
      const lockWaitsRetried = extensionReports.reduce((sum, report) => sum + report.lockWaitsRetried, 0);
      const commands = cliReports.reduce((sum, report) => sum + report.commands, 0);
      const meanMs = (command: CommandRun['command']): number => {
        const chosen = cliRuns.filter((candidate) => candidate.command === command);
        return Math.round(chosen.reduce((sum, { started, finished }) => sum + finished - started, 0) / Math.max(1, chosen.length));
      };
      console.log(
        `      ${where}: ${steps.length} extension writes (${lockWaitsRetried} made again after waiting past the config.json.lock limit), ${commands} docker logins and logouts (${failures.length} failed; ${meanMs('login')} ms and ${meanMs('logout')} ms on average).\n` +
          `      Interleaved: ${writesDuringCli} extension writes went in while a docker command ran (${commandHostOverlaps} docker command x extension host overlaps).\n` +
          `      Lost by the extension: ${cliLostByExtension.length} docker CLI entries during the run and ${cliFinalLostByExtension.length} at the end; ` +
          `${lostByExtensionOwn.length + finalLostByExtensionOwn.length} of its own entries with no docker command running across their write.\n` +
          `      Undone by the docker CLI (a stale copy renamed over an extension write, not the extension's doing; the next renewal writes the entry again): ` +
          `${undoneByCli.length} extension steps during the run (at most ${commandHostOverlaps}), ${finalUndoneByCli.length} entries at the end.\n` +
          `      Reader: ${polled.reads} reads, ${polled.partial} partial, ${polled.wrongMode} with a mode other than 0600.`,
      );
      assert.deepEqual(extensionHosts.filter((_, index) => !extensionReports[index].atomicSwap), [], 'extension writers without the atomic swap');
      assert.deepEqual(failures, []);
      assert.equal(steps.length, extensionWriters * rounds);
      assert.equal(commands, cliWriters * rounds);
      assert.ok(writesDuringCli >= commands, `only ${writesDuringCli} extension writes went in while one of ${commands} docker commands ran: the two hardly met, so the test proves little`);
      assert.deepEqual(cliLostByExtension, [], 'docker CLI entries changed by the extension');
      assert.deepEqual(cliFinalLostByExtension, [], 'docker CLI entries missing at the end');
      assert.deepEqual(lostByExtensionOwn.map(({ host, step }) => describeStep(host, step)), [], 'extension entries found wrong with no docker command running across their write');
      assert.deepEqual(finalLostByExtensionOwn, [], 'extension entries wrong at the end with no docker command running across their last write');
      assert.ok(undoneByCli.length <= commandHostOverlaps, `${undoneByCli.length} extension steps excused as undone by ${commandHostOverlaps} docker command x extension host overlaps`);
      assert.deepEqual(written.auths?.['theirs.example'], theirs, 'an entry of another program was lost');
      assert.ok(polled.reads > 0);
      assert.deepEqual([polled.partial, polled.wrongMode], [0, 0], 'partial reads, reads with another mode');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      if (throughHelper) {
        // The helper keeps every extension host's last secret (a stale config.json copy does not reach it), and each CLI host's password.
        const kept = new Map<string, string>();
        for (const name of await readdir(helperStore)) {
          const text = await readFile(join(helperStore, name), 'utf8');
          if (!text) continue;
          const { ServerURL, Secret } = JSON.parse(text) as { ServerURL: string; Secret: string };
          kept.set(ServerURL, Secret);
        }
        for (const host of extensionHosts) assert.equal(kept.get(host), lastSecretOf(host), `the helper lost ${host}`);
        for (const host of cliHosts) assert.equal(kept.get(host), tokenPassword, `the helper lost ${host}`);
        const secretsInConfig = [...extensionHosts, ...cliHosts].filter((host) => written.auths?.[host]?.auth !== undefined);
        assert.deepEqual(secretsInConfig, [], 'with a credential helper, config.json holds no secret');
      }
    });
  }
});
