// The benchmarks themselves, in a process that trusts the emulator's CA and may collect garbage on demand
// (started by run.ts). Each prints its rows as it finishes; the whole table comes at the end.
import { activationBench } from './activation';
import { BenchWorld, startBenchWorld } from './benchWorld';
import { diagnoseBench } from './diagnose';
import { pullBench } from './pull';
import { renewalsBench } from './renewals';
import { describeMachine, machineLine, markdownTable, Row, writeResults } from './report';
import { signInBench } from './signIn';
import { singleFlightBench } from './singleFlight';
import { treeBench } from './tree';
import { wanBench } from './wan';
import { stopAll, stopAllOnExit } from '../world/processes';

/** Registries logged in for the activation benchmark. */
const loggedInRegistries = 50;

/** In this order; those taking a world share one emulator (the component fixture and the benchmarks' registries). */
const benchmarks: Record<string, (world: BenchWorld) => Promise<Row[]>> = {
  signIn: signInBench,
  activation: activationBench,
  tree: treeBench,
  singleFlight: singleFlightBench,
  pull: pullBench,
  diagnose: diagnoseBench,
};
/** With emulators of their own (200 registries; the component fixture behind a delayed network), run once the shared one is stopped. */
const standalone: Record<string, () => Promise<Row[]>> = { renewals: renewalsBench, wan: wanBench };

async function main(): Promise<void> {
  stopAllOnExit();
  const named = process.argv.slice(2);
  const all = [...Object.keys(benchmarks), ...Object.keys(standalone)];
  const unknown = named.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')}; there are ${all.join(', ')}`);
  const chosen = (name: string) => named.length === 0 || named.includes(name);
  const startedAt = new Date();
  const machine = describeMachine();
  console.log(`Machine: ${machineLine(machine)}`);
  const rows: Row[] = [];
  const record = (name: string, found: Row[]) => {
    console.log(`\n=== ${name}\n${markdownTable(found)}`);
    rows.push(...found);
  };

  const shared = Object.keys(benchmarks).filter(chosen);
  if (shared.length > 0) {
    console.log(`Starting the emulator (${loggedInRegistries} registries of the benchmarks' own, and 10,000 repositories)...`);
    const world = await startBenchWorld(loggedInRegistries);
    try {
      for (const name of shared) {
        console.log(`\n--- ${name}`);
        record(name, await benchmarks[name](world));
      }
    } finally {
      await world.emulator.stop();
    }
  }
  for (const name of Object.keys(standalone).filter(chosen)) {
    console.log(`\n--- ${name}`);
    record(name, await standalone[name]());
  }

  console.log(`\n=== all benchmarks\nMachine: ${machineLine(machine)}\n\n${markdownTable(rows)}`);
  console.log(`\nWritten to ${await writeResults(machine, startedAt, rows)}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
