import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { DockerConfig } from '../../src/docker/config';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { projectRoot } from '../world/codeServer';
import type { CliReport, CliTask, Mismatch, WriterReport, WriterTask } from './contention/worker';
import { assertCaTrusted, contoso, devSubscription } from './emulatorSupport';

const extensionWriters = 14;
const cliWriters = 6;
const rounds = Number(process.env.ACR_TEST_ROUNDS ?? 200);
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

/** A credential helper as small as the protocol allows: one file per server under $ACR_TEST_HELPER_STORE. */
const helperScript = `#!/bin/sh
set -eu
PATH=/usr/bin:/bin
key=""
keyOf() { printf '%s' "$1" | sha1sum | cut -c1-40; }
case "$1" in
  store)
    input=$(cat)
    key=$(keyOf "$(printf '%s' "$input" | jq -r .ServerURL)")
    printf '%s' "$input" > "$ACR_TEST_HELPER_STORE/.$key.$$"
    mv "$ACR_TEST_HELPER_STORE/.$key.$$" "$ACR_TEST_HELPER_STORE/$key.json" ;;
  get)
    key=$(keyOf "$(cat)")
    if [ -f "$ACR_TEST_HELPER_STORE/$key.json" ]; then cat "$ACR_TEST_HELPER_STORE/$key.json"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase)
    key=$(keyOf "$(cat)")
    rm -f "$ACR_TEST_HELPER_STORE/$key.json" ;;
  *) echo "unknown action $1" >&2; exit 2 ;;
esac
`;

interface Result {
  code: number;
  output: string;
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(program, args, { env, cwd, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
    child.stdin?.end();
  });
}

const workerScript = join(__dirname, 'contention', 'worker.ts');

async function inProcess<T>(task: WriterTask | CliTask, env: NodeJS.ProcessEnv): Promise<T> {
  const result = await run(process.execPath, ['--import', 'tsx', workerScript, JSON.stringify(task)], { ...env, NODE_OPTIONS: '' }, projectRoot);
  assert.equal(result.code, 0, `a ${task.kind} process failed: ${result.output}`);
  return JSON.parse(result.output.trim().split('\n').at(-1)!) as T;
}

/** Reads config.json in a loop until stopped: every read must parse, and the file must keep mode 0600. */
function pollConfig(file: string): { stop: () => Promise<{ reads: number; partial: number; wrongMode: number }> } {
  let stopped = false;
  const counts = { reads: 0, partial: 0, wrongMode: 0 };
  const polling = (async () => {
    while (!stopped) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      const mode = await stat(file).then((info) => info.mode & 0o777, () => 0o600);
      if (text !== undefined) {
        counts.reads++;
        try {
          JSON.parse(text);
        } catch {
          counts.partial++;
        }
      }
      if (mode !== 0o600) counts.wrongMode++;
      await yieldToOthers();
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await polling;
      return counts;
    },
  };
}

async function dockerProgram(): Promise<string> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (await access(join(folder, 'docker')).then(() => true, () => false)) return join(folder, 'docker');
  }
  throw new Error('docker is not installed');
}

const describeMismatch = ({ round, expected }: Mismatch): string => `round ${round}: expected ${expected}`;

describe('docker config.json under contention with the real docker login and docker logout', () => {
  let engine: DockerEngine;
  let emulator: RunningEmulator;
  let dir: string;

  before(async () => {
    engine = await startDockerEngine();
    emulator = await startEmulator({ fixture });
    assertCaTrusted(emulator);
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-cli-contention-'));
    // Only docker and the test's helper on PATH: with docker-credential-pass installed, docker login would pick it by default.
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

  // 1,200 docker commands in turns: about a minute on an idle machine of two cores, several on a loaded one.
  for (const throughHelper of [false, true]) {
    const where = throughHelper ? 'through a credential helper (credsStore)' : 'in config.json';
    it(`${extensionWriters} extension writers and ${cliWriters} docker CLI writers x ${rounds} rounds, ${where}: the extension loses no entry, no read is partial, mode stays 0600`, async function () {
      this.timeout(15 * 60_000);
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

      const reader = pollConfig(file);
      const [extensionReports, cliReports] = await Promise.all([
        Promise.all(extensionHosts.map((host) => inProcess<WriterReport>({ kind: 'writer', dockerConfig: configDir, host, rounds, helper: throughHelper }, env))),
        Promise.all(
          cliHosts.map((host) =>
            inProcess<CliReport>({ kind: 'cli', dockerConfig: configDir, host, username: tokenName, rounds, turnLock: join(dir, `${throughHelper}-cli-turn.lock`) }, { ...env, ACR_TEST_CLI_PASSWORD: tokenPassword }),
          ),
        ),
      ]);
      const polled = await reader.stop();
      const written = JSON.parse(await readFile(file, 'utf8')) as DockerConfig;

      const failures = cliReports.flatMap((report) => report.failures);
      // Each extension writer is alone on its host and re-reads config.json before it renames its copy over it,
      // so an entry of theirs that is wrong later was overwritten by a docker CLI that renamed a stale copy.
      const droppedByCli = extensionReports.flatMap((report) => report.mismatches);
      const lastDroppedByCli = extensionHosts.filter((host, index) => {
        const entry = written.auths?.[host];
        const last = `secret-${host}-${rounds - 1}`;
        return entry === undefined || (!throughHelper && entry.auth !== Buffer.from(`00000000-0000-0000-0000-000000000000:${last}`).toString('base64')) || !extensionReports[index];
      });
      // The docker CLI writers take turns, so an entry of theirs that is wrong can only have been dropped by an extension writer.
      const lostByExtension = cliReports.flatMap((report, index) => report.mismatches.map((mismatch) => `${cliHosts[index]} ${describeMismatch(mismatch)}`));
      const lastLostByExtension = cliHosts.filter((host) => written.auths?.[host] === undefined);
      const writes = extensionReports.reduce((sum, report) => sum + report.writes, 0);
      const commands = cliReports.reduce((sum, report) => sum + report.commands, 0);
      console.log(
        `      ${where}: ${writes} extension writes, ${commands} docker logins and logouts; entries lost by the extension: ${lostByExtension.length + lastLostByExtension.length}; ` +
          `extension entries the docker CLI overwrote with a stale copy (it takes no lock: it read config.json before an extension write and renamed its copy over it after): ` +
          `${droppedByCli.length} during the run, ${lastDroppedByCli.length} at the end; ${polled.reads} reads, ${polled.partial} partial, ${polled.wrongMode} with another mode`,
      );
      assert.deepEqual(failures, []);
      assert.deepEqual(lostByExtension, [], 'docker CLI entries lost right after the docker command that wrote them');
      assert.deepEqual(lastLostByExtension, [], 'docker CLI entries missing at the end');
      assert.deepEqual(written.auths?.['theirs.example'], theirs, 'an entry of another program was lost');
      assert.deepEqual([polled.partial, polled.wrongMode], [0, 0]);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.ok(polled.reads > 0);
      assert.ok(writes === extensionWriters * rounds && commands === cliWriters * rounds);
      if (throughHelper) {
        // The helper keeps every extension host's last secret (the CLI never touches those), and each CLI host's password.
        const kept = new Map<string, string>();
        for (const name of await readdir(helperStore)) {
          if (!name.endsWith('.json')) continue;
          const { ServerURL, Secret } = JSON.parse(await readFile(join(helperStore, name), 'utf8')) as { ServerURL: string; Secret: string };
          kept.set(ServerURL, Secret);
        }
        for (const host of extensionHosts) assert.equal(kept.get(host), `secret-${host}-${rounds - 1}`, `the helper lost ${host}`);
        for (const host of cliHosts) assert.equal(kept.get(host), tokenPassword, `the helper lost ${host}`);
        const secretsInConfig = [...extensionHosts, ...cliHosts].filter((host) => written.auths?.[host]?.auth !== undefined);
        assert.deepEqual(secretsInConfig, [], 'with a credential helper, config.json holds no secret');
      }
    });
  }
});
