// `npm run bench [-- <name>...]`: runs the benchmarks (all, or those named: signIn, activation, tree,
// singleFlight, pull, renewals, wan) against the emulator, a Docker engine and the docker CLI, prints the table
// and writes it as JSON under artifacts/bench/. Benchmarks are never part of `npm test`.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../world/codeServer';
import { startDockerEngine } from '../world/dockerEngine';
import { stopAllOnExit } from '../world/processes';
import { privateNetworkVariable } from './delayedNetwork';

/**
 * wan redirects the emulator's ports with iptables, so a run that includes it goes in a network namespace of
 * its own (loopback only): the rules touch nothing else on the machine and vanish with it, and the Docker
 * engine is a private dockerd in there, since one outside would not reach the emulator.
 */
function inPrivateNetwork(names: readonly string[]): Promise<number | null> | undefined {
  if (process.env[privateNetworkVariable] || (names.length > 0 && !names.includes('wan'))) return undefined;
  const child = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, ...process.execArgv, __filename, ...names], {
    stdio: 'inherit',
    env: { ...process.env, [privateNetworkVariable]: '1' },
  });
  return new Promise((resolve) => child.on('exit', resolve));
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const separate = inPrivateNetwork(names);
  if (separate) {
    process.exitCode = (await separate) ?? 1;
    return;
  }
  stopAllOnExit();
  // Node reads NODE_EXTRA_CA_CERTS only at start, so the benchmarks run in a process started with it.
  const emulatorCa = execFileSync(process.execPath, [join(projectRoot, 'test/emulator'), '--ca-path']).toString().trim();
  const engine = await startDockerEngine({ reuseExisting: !process.env[privateNetworkVariable] });
  try {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(projectRoot, 'test/bench/benchmarks.ts'), ...names], {
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
