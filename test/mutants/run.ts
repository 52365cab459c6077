// `npm run test:mutants [-- <id> ...]`: applies each breakage of mutants.ts to a scratch copy of the working tree
// and runs the tests that should catch it; a breakage whose tests still pass survived. Not part of `npm test`.
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Catcher, Mutant, mutants } from './mutants';

const projectRoot = resolve(__dirname, '../..');
/** How much of a failed run's output is shown. */
const shownLines = 40;

/** The working tree as it is now (tracked and untracked files, ignored ones left out), with the project's node_modules. */
async function snapshot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'acr-mutants-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: projectRoot }).toString().split('\0').filter(Boolean);
  for (const file of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    // A file deleted in the working tree is still listed while its deletion is not committed.
    await copyFile(join(projectRoot, file), join(dir, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await symlink(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function occurrences(text: string, find: string): number {
  return text.split(find).length - 1;
}

function describeCatcher({ tier, words }: Catcher): string {
  return [tier, ...words].join(' ');
}

interface RunResult {
  readonly passed: boolean;
  readonly ms: number;
  readonly lastLines: string;
}

/** Runs the catcher's tests in a fresh copy of `tree`, changed by `mutant` when one is given. */
async function runIn(tree: string, catcher: Catcher, mutant?: Mutant): Promise<RunResult> {
  const dir = `${tree}-run`;
  await cp(tree, dir, { recursive: true, verbatimSymlinks: true });
  try {
    if (mutant) {
      const file = join(dir, mutant.file);
      await writeFile(file, (await readFile(file, 'utf8')).replace(mutant.find, () => mutant.replace));
    }
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/runAll.ts', catcher.tier, ...catcher.words], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const code = await new Promise<number | null>((done) => child.on('close', done));
    return { passed: code === 0, ms: Date.now() - started, lastLines: output.trimEnd().split('\n').slice(-shownLines).join('\n') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function selected(ids: readonly string[]): readonly Mutant[] {
  const unknown = ids.filter((id) => !mutants.some((mutant) => mutant.id === id));
  if (unknown.length > 0) throw new Error(`No such mutant: ${unknown.join(', ')}. Known: ${mutants.map((mutant) => mutant.id).join(', ')}`);
  return ids.length === 0 ? mutants : mutants.filter((mutant) => ids.includes(mutant.id));
}

async function main(): Promise<void> {
  const started = Date.now();
  const chosen = selected(process.argv.slice(2));
  const tree = await snapshot();
  try {
    const unmatched: string[] = [];
    for (const mutant of chosen) {
      const count = occurrences(await readFile(join(tree, mutant.file), 'utf8'), mutant.find);
      if (count !== 1) unmatched.push(`${mutant.id}: its find-text occurs ${count} times in ${mutant.file}, not once`);
    }
    if (unmatched.length > 0) throw new Error(`Mutants that no longer fit src/:\n  ${unmatched.join('\n  ')}`);

    // A catcher that fails without any mutant would make every mutant look caught.
    const catchers = new Map(chosen.map((mutant) => [describeCatcher(mutant.caughtBy), mutant.caughtBy]));
    for (const [name, catcher] of catchers) {
      const baseline = await runIn(tree, catcher);
      if (!baseline.passed) throw new Error(`${name} fails without any mutant, so it cannot tell whether one is caught:\n${baseline.lastLines}`);
      console.log(`unmutated: ${name} passes (${seconds(baseline.ms)})`);
    }

    const idWidth = Math.max(...chosen.map((mutant) => mutant.id.length));
    const catcherWidth = Math.max(...chosen.map((mutant) => describeCatcher(mutant.caughtBy).length)) + 'SURVIVED '.length;
    console.log(`\n${'mutant'.padEnd(idWidth)}  ${'caught by'.padEnd(catcherWidth)}  time`);
    const survivors: [Mutant, RunResult][] = [];
    for (const mutant of chosen) {
      const result = await runIn(tree, mutant.caughtBy, mutant);
      if (result.passed) survivors.push([mutant, result]);
      const verdict = `${result.passed ? 'SURVIVED ' : ''}${describeCatcher(mutant.caughtBy)}`;
      console.log(`${mutant.id.padEnd(idWidth)}  ${verdict.padEnd(catcherWidth)}  ${seconds(result.ms)}`);
    }
    for (const [mutant, result] of survivors) {
      console.log(`\n=== survived: ${mutant.id} (${mutant.file}): ${mutant.breaks}\nlast ${shownLines} lines of ${describeCatcher(mutant.caughtBy)}:\n${result.lastLines}`);
    }
    console.log(`\ntotal time ${seconds(Date.now() - started)}`);
    console.log(`${chosen.length - survivors.length} caught, ${survivors.length} survived`);
    process.exitCode = survivors.length > 0 ? 1 : 0;
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
