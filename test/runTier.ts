// Runs one test tier and writes its counts to the file named by ACR_TEST_RESULTS (see runAll.ts).
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Mocha from 'mocha';
import { runHostSuiteInCodeServer, runInstalledVsixInCodeServer } from './host/launchCodeServer';
import { runHostSuiteInDesktop } from './host/launchDesktop';
import { HostResults } from './host/results';
import { inTestOrder } from './testOrder';
import { stopAll, stopAllOnExit } from './world/processes';
import { projectRoot } from './world/codeServer';
import { addCounts, Counts, formatCounts } from './counts';

export const tiers = ['static', 'unit', 'component', 'host', 'e2e', 'desktop'] as const;
export type Tier = (typeof tiers)[number];

type MochaTier = 'unit' | 'component' | 'e2e';
const mochaTimeoutMs: Record<MochaTier, number> = { unit: 10_000, component: 180_000, e2e: 300_000 };

function testFiles(dir: string, filters: readonly string[]): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts') && (filters.length === 0 || filters.some((filter) => name.includes(filter))))
    .map((name) => join(dir, name));
}

/**
 * Component and e2e test files run two at a time, each in a worker process of its own: most of their time is
 * spent waiting on the processes they drive. The contention tests (many writers on one file) and the two-windows
 * journey (two workbenches on one server) load the machine by themselves, so they run alone, after the others.
 */
const parallelJobs: Partial<Record<MochaTier, number>> = { component: 2, e2e: 2 };
const runsAlone = (file: string): boolean => /contention|twoWindows/i.test(file);

async function runMocha(tier: MochaTier, filters: readonly string[]): Promise<Counts> {
  const files = inTestOrder(testFiles(join(projectRoot, 'test', tier), filters));
  const jobs = parallelJobs[tier] ?? 1;
  const batches = jobs > 1 ? [files.filter((file) => !runsAlone(file)), files.filter(runsAlone)] : [files];
  const counts: Counts[] = [];
  for (const batch of batches.filter((batch) => batch.length > 0)) counts.push(await runMochaFiles(tier, batch, batch.length > 1 && !batch.some(runsAlone) ? jobs : 1));
  return addCounts(counts);
}

async function runMochaFiles(tier: MochaTier, files: readonly string[], jobs: number): Promise<Counts> {
  const parallel = jobs > 1;
  const mocha = new Mocha({
    timeout: mochaTimeoutMs[tier],
    reporter: 'spec',
    color: process.stdout.isTTY,
    ...(parallel ? { parallel, jobs, require: [join(projectRoot, 'test/world/mochaWorker.ts')] } : {}),
  });
  for (const file of files) mocha.addFile(file);
  if (!parallel) await mocha.loadFilesAsync();
  return new Promise((resolve) => {
    const runner = mocha.run(() => resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, skipped: runner.stats?.pending ?? 0 }));
  });
}

const run = promisify(execFile);

/** Typecheck, lint and the import rules (.dependency-cruiser.js), each counted as one test. */
async function runStatic(): Promise<Counts> {
  const checks: [string, string, string[]][] = [
    ['typecheck (tsc --noEmit)', 'npx', ['tsc', '--noEmit', '-p', '.']],
    ['lint (eslint, zero warnings)', 'npx', ['eslint', '--max-warnings', '0', '.']],
    ['import rules (dependency-cruiser: the layers of docs/architecture.md, type-only imports included; no cycle in src/)', 'npx', ['depcruise', '--output-type', 'err', 'src']],
  ];
  // At the same time: each is one process, mostly busy on one core.
  const outcomes = await Promise.all(
    checks.map(([, command, args]) =>
      // npx is npx.cmd on Windows, which Node runs only through a shell.
      run(command, args, { cwd: projectRoot, maxBuffer: 32 * 1024 * 1024, shell: process.platform === 'win32' }).then(
        () => undefined,
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      ),
    ),
  );
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const [index, [name]] of checks.entries()) {
    const failure = outcomes[index];
    if (failure === undefined) {
      console.log(`  ✔ ${name}`);
      counts.passed++;
    } else {
      console.log(`  ✘ ${name}\n${failure}`);
      counts.failed++;
    }
  }
  return counts;
}

/** The installed .vsix check is picked by a filter word that is part of this name (`-- vsix`, `-- installed`). */
const installedVsixCheck = 'installed.vsix';

/** The packaged extension installed from its .vsix first, then the suite in test/host/suite. */
async function runHost(filters: readonly string[]): Promise<Counts> {
  const picked = (name: string) => filters.length === 0 || filters.some((filter) => name.includes(filter));
  const runs: (() => Promise<HostResults>)[] = [];
  if (picked(installedVsixCheck)) runs.push(runInstalledVsixInCodeServer);
  if (testFiles(join(projectRoot, 'test/host/suite'), filters).length > 0) runs.push(() => runHostSuiteInCodeServer(filters));
  const counts: Counts[] = [];
  for (const runOne of runs) counts.push(reportHostResults(await runOne()));
  return addCounts(counts);
}

function reportHostResults(results: HostResults): Counts {
  for (const title of results.passed) console.log(`  ✔ ${title}`);
  for (const { title, error } of results.failed) console.log(`  ✘ ${title}\n${error}`);
  for (const title of results.skipped ?? []) console.log(`  - ${title} (skipped)`);
  return { passed: results.passed.length, failed: results.failed.length, skipped: results.skipped?.length ?? 0 };
}

/** What a tier ends with, and why it did not run when it could not (said in the summary lines). */
type TierOutcome = Counts & { readonly skippedBecause?: string };

/** The host suite in desktop VS Code; where none can be had, one skipped test with the reason, never a pass. */
async function runDesktop(filters: readonly string[]): Promise<TierOutcome> {
  const results = await runHostSuiteInDesktop(filters);
  if (!('unavailable' in results)) return reportHostResults(results);
  console.log(`  - host suite in desktop VS Code (skipped: ${results.unavailable})`);
  return { passed: 0, failed: 0, skipped: 1, skippedBecause: results.unavailable };
}

async function main(tier: Tier, filters: readonly string[]): Promise<void> {
  stopAllOnExit();
  let counts: TierOutcome;
  try {
    counts = tier === 'static' ? await runStatic() : tier === 'host' ? await runHost(filters) : tier === 'desktop' ? await runDesktop(filters) : await runMocha(tier, filters);
  } catch (error) {
    console.error(`The ${tier} tier could not run:`, error);
    counts = { passed: 0, failed: 1, skipped: 0 };
  } finally {
    await stopAll();
  }
  const resultsFile = process.env.ACR_TEST_RESULTS;
  if (resultsFile) writeFileSync(resultsFile, JSON.stringify(counts));
  console.log(`${tier}: ${formatCounts(counts)}${counts.skippedBecause ? ` (${counts.skippedBecause})` : ''}`);
  // A handle a test left open (a socket, a timer) must not keep the whole run waiting.
  process.exit(counts.failed > 0 ? 1 : 0);
}

if (require.main === module) {
  const tier = process.argv[2] as Tier;
  if (!tiers.includes(tier)) throw new Error(`usage: runTier.ts <${tiers.join('|')}>`);
  void main(tier, process.argv.slice(3));
}
