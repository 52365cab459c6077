// `npm test`: runs the tiers in order (or those named on the command line), each in its own process,
// with one Docker engine shared by the tiers that need it, and ends with one summary line.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addCounts, Counts, formatCounts } from './counts';
import { Tier, tiers } from './runTier';
import { startDockerEngine } from './world/dockerEngine';
import { projectRoot } from './world/codeServer';
import { stopAllOnExit } from './world/processes';

const needsDocker: readonly Tier[] = ['component', 'host', 'e2e'];

async function runTier(tier: Tier, env: NodeJS.ProcessEnv, resultsFile: string, fileFilters: readonly string[]): Promise<Counts> {
  console.log(`\n=== ${tier} tier`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/runTier.ts'), tier, ...fileFilters], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...env, ACR_TEST_RESULTS: resultsFile },
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const counts = await readFile(resultsFile, 'utf8').then((text) => JSON.parse(text) as Counts, () => undefined);
  // A tier that died before reporting still counts as a failure.
  return counts ?? { passed: 0, failed: exitCode === 0 ? 0 : 1, skipped: 0 };
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
  const engine = selected.some((tier) => needsDocker.includes(tier)) ? await startDockerEngine() : undefined;
  if (engine) env.DOCKER_HOST = engine.host;
  const dir = await mkdtemp(join(tmpdir(), 'acr-tests-'));
  const results: [Tier, Counts][] = [];
  try {
    for (const tier of selected) results.push([tier, await runTier(tier, env, join(dir, `${tier}.json`), fileFilters)]);
  } finally {
    await engine?.stop();
    await rm(dir, { recursive: true, force: true });
  }

  console.log('\n=== summary');
  for (const [tier, counts] of results) console.log(`${tier.padEnd(10)} ${formatCounts(counts)}`);
  const total = addCounts(results.map(([, counts]) => counts));
  console.log(formatCounts(total));
  process.exitCode = total.failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
