// The benchmarks themselves, in a process that trusts the emulator's CA (started by run.ts).
import { BenchWorld, startBenchWorld } from './benchWorld';
import { describeMachine, machineLine, markdownTable, Row, writeResults } from './report';
import { pullBench } from './pull';
import { signInBench } from './signIn';
import { singleFlightBench } from './singleFlight';
import { treeBench } from './tree';
import { stopAll, stopAllOnExit } from '../world/processes';

/** Registries logged in for the activation benchmark. */
const loggedInRegistries = 50;

const benchmarks: Record<string, (world: BenchWorld) => Promise<Row[]>> = {
  signIn: signInBench,
  tree: treeBench,
  singleFlight: singleFlightBench,
  pull: pullBench,
};

async function main(): Promise<void> {
  stopAllOnExit();
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')}; there are ${Object.keys(benchmarks).join(', ')}`);
  const selected = Object.keys(benchmarks).filter((name) => named.length === 0 || named.includes(name));
  const startedAt = new Date();
  const machine = describeMachine();
  console.log(`Machine: ${machineLine(machine)}`);
  const rows: Row[] = [];
  const world = await startBenchWorld(loggedInRegistries);
  try {
    for (const name of selected) {
      console.log(`\n=== ${name}`);
      const found = await benchmarks[name](world);
      console.log(markdownTable(found));
      rows.push(...found);
    }
  } finally {
    await world.emulator.stop();
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
