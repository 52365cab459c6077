import assert from 'node:assert/strict';
import { access, chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { runWorker } from './contention/harness';
import type { CliReport, HelperWriterReport } from './contention/worker';
import { assertCaTrusted, contoso, devSubscription } from './emulatorSupport';

const extensionWriters = 19;
const rounds = Number(process.env.ACR_TEST_ROUNDS ?? 200);
const workerTimeoutMs = 600_000;
const tokenName = 'contention';
const tokenPassword = 'contention-token-password';

/** One small registry, whose login server the docker CLI and every extension writer log in to and out of. */
const fixture = {
  tenants: [{ id: contoso, displayName: 'Contoso', defaultDomain: 'contoso.example' }],
  identities: [],
  subscriptions: [{ id: devSubscription, displayName: 'Contoso Dev', tenant: contoso }],
  registries: [
    {
      name: 'helpercontention',
      subscription: devSubscription,
      resourceGroup: 'contention-rg',
      location: 'eastus',
      sku: 'Basic',
      adminUserEnabled: false,
      repositories: { hello: ['v1'] },
      tokens: [{ name: tokenName, scopeMap: '_repositories_pull', passwords: [{ name: 'password1', value: tokenPassword }] }],
    },
  ],
};

/**
 * A credential helper backed by files under $ACR_TEST_HELPER_STORE: one file per server holding `<id>\t<stored
 * JSON>`, and a journal with a line per call, in the order the calls took effect (flock lets one call run at a
 * time): when, which call, its parent process (the extension's worker, or a docker process), the server, the
 * entry it stored or saw, the entry it replaced or erased, and the user name it stored. No secret goes into the
 * journal. Bash for $EPOCHREALTIME; flock is the one program it starts.
 */
const helperScript = (flock: string): string => `#!/bin/bash
set -u
IFS= read -r input || true
store=$ACR_TEST_HELPER_STORE
exec 9>>"$store/lock"
${flock} 9
server=$input
user=-
if [ "$1" = store ]; then
  server=\${input#*\\"ServerURL\\":\\"}; server=\${server%%\\"*}
  user=\${input#*\\"Username\\":\\"}; user=\${user%%\\"*}
fi
key=\${server//[^A-Za-z0-9.-]/_}
id=-; json=
if [ -s "$store/$key" ]; then IFS=$'\\t' read -r id json < "$store/$key"; fi
case "$1" in
  store)
    new="$EPOCHREALTIME-$$"
    printf '%s\\t%s\\n' "$new" "$input" > "$store/$key"
    echo "$EPOCHREALTIME store $PPID $key $new $id $user" >> "$store/journal" ;;
  get)
    echo "$EPOCHREALTIME get $PPID $key $id - -" >> "$store/journal"
    if [ "$id" = - ]; then echo "credentials not found in native keychain"; exit 1; fi
    printf '%s\\n' "$json" ;;
  erase)
    : > "$store/$key"
    echo "$EPOCHREALTIME erase $PPID $key - $id -" >> "$store/journal" ;;
  *) echo "unknown action $1" >&2; exit 2 ;;
esac
`;

async function onPath(program: string): Promise<string> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (await access(join(folder, program)).then(() => true, () => false)) return join(folder, program);
  }
  throw new Error(`${program} is not installed`);
}

interface JournalLine {
  readonly ms: number;
  readonly action: 'store' | 'get' | 'erase';
  readonly pid: number;
  readonly key: string;
  /** Stored (store) or seen (get). */
  readonly id: string;
  /** What a store replaced or an erase removed. */
  readonly replaced: string;
  readonly user: string;
}

function parseJournal(text: string, key: string): JournalLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [time, action, pid, lineKey, id, replaced, user] = line.split(' ');
      return { ms: Number(time) * 1000, action: action as JournalLine['action'], pid: Number(pid), key: lineKey, id, replaced, user };
    })
    .filter((line) => line.key === key);
}

/** What the journal says happened to the entry of one server, and who did it. */
interface Verdict {
  /** The docker CLI's entries an extension writer replaced or erased after its look had seen them: lost by the extension. */
  readonly cliLostByExtension: string[];
  /** The docker CLI's entries an extension writer replaced or erased when the CLI stored between its look and its act. */
  readonly cliLostInWindow: string[];
  /** The docker CLI's user name stored again by an extension writer. */
  readonly cliBroughtBack: number;
  /** Another extension writer's entry replaced or erased by one whose look had not seen it: a lost write between windows. */
  readonly extensionLostBetweenWindows: string[];
  /** docker login or logout replacing an extension writer's entry: the CLI's own overwrites, no loss. */
  readonly cliOverwrites: number;
  /** Gaps between two docker commands' changes in which an extension writer changed the entry. */
  readonly gapsWithExtensionWrites: number;
  readonly gaps: number;
  /** From an extension writer's look (its helper get) to its act (store or erase), ms. */
  readonly windowsMs: number[];
  readonly extensionChanges: number;
}

function judge(journal: JournalLine[], extensionPids: ReadonlySet<number>): Verdict {
  const owner = new Map<string, number>();
  const lastLook = new Map<number, JournalLine>();
  const verdict = { cliLostByExtension: [] as string[], cliLostInWindow: [] as string[], cliBroughtBack: 0, extensionLostBetweenWindows: [] as string[], cliOverwrites: 0, windowsMs: [] as number[] };
  let gaps = 0;
  let gapsWithExtensionWrites = 0;
  let extensionSinceCli = false;
  let extensionChanges = 0;
  const isCli = (pid: number | undefined): boolean => pid !== undefined && !extensionPids.has(pid);
  for (const [index, line] of journal.entries()) {
    if (line.action === 'get') {
      lastLook.set(line.pid, line);
      continue;
    }
    const replacedOwner = line.replaced === '-' ? undefined : owner.get(line.replaced);
    if (line.action === 'store') owner.set(line.id, line.pid);
    const at = `line ${index + 1}: ${line.action} by ${line.pid} replaced ${line.replaced}`;
    if (isCli(line.pid)) {
      if (replacedOwner !== undefined && !isCli(replacedOwner)) verdict.cliOverwrites++;
      gaps++;
      if (extensionSinceCli) gapsWithExtensionWrites++;
      extensionSinceCli = false;
      continue;
    }
    extensionSinceCli = true;
    extensionChanges++;
    const look = lastLook.get(line.pid);
    if (look) verdict.windowsMs.push(line.ms - look.ms);
    const seen = look?.id === line.replaced;
    if (line.action === 'store' && line.user === tokenName) verdict.cliBroughtBack++;
    if (isCli(replacedOwner)) (seen ? verdict.cliLostByExtension : verdict.cliLostInWindow).push(at);
    else if (replacedOwner !== undefined && replacedOwner !== line.pid && !seen) verdict.extensionLostBetweenWindows.push(at);
  }
  return { ...verdict, gaps, gapsWithExtensionWrites, extensionChanges };
}

const percentile = (values: number[], share: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
};

describe('a credential helper shared by extension writers and the real docker login and docker logout', () => {
  let engine: DockerEngine;
  let emulator: RunningEmulator;
  let dir: string;

  before(async () => {
    engine = await startDockerEngine();
    emulator = await startEmulator({ fixture });
    assertCaTrusted(emulator);
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-helper-contention-'));
    // Only docker and the test's helper on PATH, so docker starts no other helper.
    await mkdir(join(dir, 'bin'));
    await symlink(await onPath('docker'), join(dir, 'bin', 'docker'));
    await writeFile(join(dir, 'bin', 'docker-credential-acrtest'), helperScript(await onPath('flock')));
    await chmod(join(dir, 'bin', 'docker-credential-acrtest'), 0o755);
  });

  after(async () => {
    await emulator?.stop();
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it(`${extensionWriters} extension writers renewing and logging out the registry the docker CLI logs in to and out of ${rounds} times: no entry of the CLI's lost by the extension, none of a writer's lost to another`, async function () {
    this.timeout(10 * 60_000);
    const configDir = join(dir, 'config');
    const helperStore = join(dir, 'helper-store');
    await mkdir(configDir, { mode: 0o700 });
    await mkdir(helperStore, { mode: 0o700 });
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ credsStore: 'acrtest' }), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: configDir, PATH: join(dir, 'bin'), ACR_TEST_HELPER_STORE: helperStore };
    const host = emulator.registries[0].loginServer;
    const stopFile = join(dir, 'stop');

    const started = Date.now();
    const writers = Promise.all(Array.from({ length: extensionWriters }, () => runWorker<HelperWriterReport>({ kind: 'helperWriter', dockerConfig: configDir, host, stopFile }, env, workerTimeoutMs)));
    const cli = await runWorker<CliReport>(
      { kind: 'cli', dockerConfig: configDir, host, username: tokenName, rounds, turnLock: join(dir, 'cli-turn.lock') },
      { ...env, ACR_TEST_CLI_PASSWORD: tokenPassword },
      workerTimeoutMs,
    ).finally(() => writeFile(stopFile, ''));
    const reports = await writers;
    const seconds = (Date.now() - started) / 1000;

    const journal = parseJournal(await readFile(join(helperStore, 'journal'), 'utf8'), host.replace(/[^A-Za-z0-9.-]/g, '_'));
    const verdict = judge(journal, new Set(reports.map((report) => report.pid)));
    const windowOpenMs = verdict.windowsMs.reduce((sum, ms) => sum + ms, 0);
    const logins = cli.runs.filter((run) => run.command === 'login').length;
    const stores = reports.reduce((sum, report) => sum + report.stores, 0);
    const erases = reports.reduce((sum, report) => sum + report.erases, 0);
    const lockWaitsRetried = reports.reduce((sum, report) => sum + report.lockWaitsRetried, 0);
    console.log(
      `      ${seconds.toFixed(0)} s: ${stores} extension renewals and ${erases} log-outs (${verdict.extensionChanges} changed the entry; ${lockWaitsRetried} gave up waiting for config.json.lock), ${cli.commands} docker logins and logouts (${cli.failures.length} failed).\n` +
        `      Interleaved: ${verdict.cliOverwrites} docker commands replaced an extension entry; an extension writer changed the entry between two docker commands ${verdict.gapsWithExtensionWrites} times of ${verdict.gaps}.\n` +
        `      Window left (an extension writer's helper get to its store or erase): median ${percentile(verdict.windowsMs, 0.5).toFixed(1)} ms, p95 ${percentile(verdict.windowsMs, 0.95).toFixed(1)} ms, max ${percentile(verdict.windowsMs, 1).toFixed(1)} ms; ` +
        `open ${((100 * windowOpenMs) / (seconds * 1000)).toFixed(0)} % of the run.\n` +
        `      docker logins that landed in it and were lost: ${verdict.cliLostInWindow.length} of ${logins}. Lost by the extension otherwise: ${verdict.cliLostByExtension.length}; brought back: ${verdict.cliBroughtBack}; writes lost between extension writers: ${verdict.extensionLostBetweenWindows.length}.`,
    );
    assert.deepEqual(cli.failures, []);
    assert.equal(cli.commands, rounds);
    assert.deepEqual(verdict.cliLostByExtension, [], 'docker CLI entries the extension replaced or erased after seeing them');
    assert.equal(verdict.cliBroughtBack, 0, 'docker CLI entries brought back by the extension');
    assert.deepEqual(verdict.extensionLostBetweenWindows, [], "writes lost between extension writers (one's look and act straddling another's write)");
    assert.ok(verdict.cliOverwrites >= rounds / 10, `only ${verdict.cliOverwrites} docker commands replaced an extension entry: the two hardly met`);
    assert.ok(verdict.gapsWithExtensionWrites >= verdict.gaps / 10, `an extension writer changed the entry between docker commands only ${verdict.gapsWithExtensionWrites} times of ${verdict.gaps}`);
  });
});
