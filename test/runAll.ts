// `npm test`: runs the tiers in order (or those named on the command line), each in its own process,
// with one Docker engine shared by the tiers that need it, and ends with one summary line.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { addCounts, Counts, formatCounts } from './counts';
import { Tier, tiers } from './runTier';
import { artifactsFolder } from './emulator/secretRecord';
import { scanForSecrets } from './secretScan';
import { buildForRun } from './world/build';
import { startDockerEngine } from './world/dockerEngine';
import { projectRoot } from './world/codeServer';
import { stopAllOnExit } from './world/processes';

const needsDocker: readonly Tier[] = ['component', 'host', 'e2e', 'desktop'];
const needsBuild = needsDocker;
const runStarted = performance.now();

/**
 * Tiers that share nothing run at the same time, a stage after another: the host tier's time is mostly the
 * extension's own timers, which leaves the machine to the component tier meanwhile. The first tier of a stage
 * shows its output as it comes; the others' is shown whole when they end.
 */
const stages: readonly (readonly Tier[])[] = [['static', 'unit'], ['component', 'host'], ['e2e'], ['desktop']];

interface TierRun {
  readonly counts: Counts;
  /** Why a tier that could not run here was skipped (runTier.ts), for the summary lines. */
  readonly skippedBecause?: string;
  /** The output of a tier that ran alongside another, to show once that one is done. */
  readonly heldOutput?: string;
}

async function runTier(tier: Tier, env: NodeJS.ProcessEnv, resultsFile: string, fileFilters: readonly string[], outputFile: string, live: boolean): Promise<TierRun> {
  if (live) console.log(`\n=== ${tier} tier`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/runTier.ts'), tier, ...fileFilters], {
    cwd: projectRoot,
    stdio: ['inherit', 'pipe', 'pipe'],
    env: { ...env, ACR_TEST_RESULTS: resultsFile },
  });
  // The output is shown and kept for the secret scan.
  const kept = createWriteStream(outputFile);
  const held: Buffer[] = [];
  const show = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
    kept.write(chunk);
    if (live) to.write(chunk);
    else held.push(chunk);
  };
  child.stdout.on('data', show(process.stdout));
  child.stderr.on('data', show(process.stderr));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise((resolve) => kept.end(resolve));
  const reported = await readFile(resultsFile, 'utf8').then((text) => JSON.parse(text) as Counts & { skippedBecause?: string }, () => undefined);
  return {
    // A tier that died before reporting still counts as a failure.
    counts: reported ? { passed: reported.passed, failed: reported.failed, skipped: reported.skipped } : { passed: 0, failed: exitCode === 0 ? 0 : 1, skipped: 0 },
    ...(reported?.skippedBecause ? { skippedBecause: reported.skippedBecause } : {}),
    ...(live ? {} : { heldOutput: `\n=== ${tier} tier (ran alongside the one before)\n${Buffer.concat(held).toString()}` }),
  };
}

/** The secret scan, counted as one test: passed when no issued secret turns up in anything the run left. */
async function secretScan(scanDir: string): Promise<Counts> {
  console.log('\n=== secret scan');
  const { secrets, files, hits } = await scanForSecrets(scanDir);
  for (const hit of hits) console.log(`  ✘ ${hit.kind} the emulator issued is in ${hit.file}, line ${hit.line}`);
  console.log(`secret scan: ${hits.length} hits (${secrets} issued secrets looked for in ${files} files)`);
  return { passed: hits.length === 0 ? 1 : 0, failed: hits.length === 0 ? 0 : 1, skipped: 0 };
}

async function main(): Promise<void> {
  stopAllOnExit();
  // `npm run test:component -- dockerPull` runs only the test files whose names contain one of the words given.
  const named = process.argv.slice(2);
  const fileFilters = named.filter((name) => !tiers.includes(name as Tier));
  const selected = named.some((name) => tiers.includes(name as Tier)) ? tiers.filter((tier) => named.includes(tier)) : [...tiers];

  // Node reads NODE_EXTRA_CA_CERTS only at start, so every tier process trusts the emulator's CA from the outset.
  const emulatorCa = execFileSync(process.execPath, [join(projectRoot, 'test/emulator'), '--ca-path']).toString().trim();
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: emulatorCa };
  // A private dockerd is Linux's alone: on Windows and macOS (CI) the tiers run the files that need no engine.
  const engine = process.platform === 'linux' && selected.some((tier) => needsDocker.includes(tier)) ? await startDockerEngine() : undefined;
  if (engine) env.DOCKER_HOST = engine.host;
  const dir = await mkdtemp(join(tmpdir(), 'acr-tests-'));
  // Tiers leave what the secret scan reads here: the emulator's issued secrets, code-server's files, telemetry.
  const scanDir = join(dir, 'secret-scan');
  await mkdir(join(scanDir, artifactsFolder), { recursive: true });
  env.ACR_SECRET_SCAN_DIR = scanDir;
  // Where podman, buildah or skopeo is installed, every Docker login also goes to containers' auth file: the run's own.
  env.REGISTRY_AUTH_FILE = join(dir, 'containers-auth.json');
  const results: { name: string; counts: Counts; seconds: number; skippedBecause?: string }[] = [];
  const timed = async <T extends { counts: Counts; skippedBecause?: string }>(name: string, step: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await step();
    results.push({ name, counts: result.counts, seconds: (performance.now() - started) / 1000, skippedBecause: result.skippedBecause });
    return result;
  };
  try {
    if (selected.some((tier) => needsBuild.includes(tier))) {
      // Built and packaged once for every tier (test/world/build.ts).
      await timed('build', () => {
        Object.assign(env, buildForRun());
        return Promise.resolve({ counts: { passed: 0, failed: 0, skipped: 0 } });
      });
    }
    for (const stage of stages.map((tiers) => tiers.filter((tier) => selected.includes(tier)))) {
      const runs = stage.map((tier, index) => timed(tier, () => runTier(tier, env, join(dir, `${tier}.json`), fileFilters, join(scanDir, artifactsFolder, `${tier}-output.txt`), index === 0)));
      // In stage order, so that a held output follows the live one whole.
      for (const run of runs) {
        const { heldOutput } = await run;
        if (heldOutput) console.log(heldOutput);
      }
    }
    // Only tiers that start the emulator issue secrets.
    if (selected.some((tier) => needsDocker.includes(tier))) await timed('secrets', async () => ({ counts: await secretScan(scanDir) }));
  } finally {
    await engine?.stop();
    await rm(dir, { recursive: true, force: true });
  }

  console.log('\n=== summary');
  const minutes = (seconds: number): string => `${Math.floor(seconds / 60)}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  const order = ['build', ...tiers, 'secrets'];
  results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const because = (reason?: string): string => (reason ? ` (${reason})` : '');
  for (const { name, counts, seconds, skippedBecause } of results) console.log(`${name.padEnd(10)} ${minutes(seconds).padStart(7)}  ${name === 'build' ? '' : formatCounts(counts)}${because(skippedBecause)}`);
  console.log(`${'total'.padEnd(10)} ${minutes((performance.now() - runStarted) / 1000).padStart(7)}`);
  const total = addCounts(results.map(({ counts }) => counts));
  const skippedTiers = results.filter(({ skippedBecause }) => skippedBecause).map(({ name, skippedBecause }) => `${name}: ${skippedBecause}`);
  console.log(`${formatCounts(total)}${because(skippedTiers.join('; '))}`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
