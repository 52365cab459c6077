// `npm run bench [-- <name>...]`: runs the benchmarks (all, or those named: signIn, activation, tree,
// singleFlight, pull, renewals) against the emulator, a Docker engine and the docker CLI, prints the table
// and writes it as JSON under artifacts/bench/. Benchmarks are never part of `npm test`.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../world/codeServer';
import { startDockerEngine } from '../world/dockerEngine';
import { stopAllOnExit } from '../world/processes';

async function main(): Promise<void> {
  stopAllOnExit();
  // Node reads NODE_EXTRA_CA_CERTS only at start, so the benchmarks run in a process started with it.
  const emulatorCa = execFileSync(process.execPath, [join(projectRoot, 'test/emulator'), '--ca-path']).toString().trim();
  const engine = await startDockerEngine();
  try {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(projectRoot, 'test/bench/benchmarks.ts'), ...process.argv.slice(2)], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: emulatorCa, DOCKER_HOST: engine.host },
    });
    process.exitCode = (await new Promise<number | null>((resolve) => child.on('exit', resolve))) ?? 1;
  } finally {
    await engine.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
