// Pull: the tree's code path (pullImage through dockerode, the credential passed with the request) against
// `docker pull` of the same image, removed from the engine before every pull so each one fetches it afresh.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectDockerEngine } from '../../src/docker/engine';
import { handOffToDocker } from '../../src/docker/handoff';
import { pullImage } from '../../src/docker/pull';
import { BenchWorld, nullGuid, tokenAtHand, tokenClient } from './benchWorld';
import { measured, race } from './measure';
import { ratioRow, Row } from './report';

const run = promisify(execFile);
const repetitions = 11;
const pusher = { clientId: 'c11e0000-0000-4000-8000-000000000002', secret: 'pusher-secret' };
/** An image of a size people pull: two layers of incompressible bytes. */
const layerBytes = [6 * 2 ** 20, 2 * 2 ** 20];

/** Builds an image from random layers and pushes it to the registry with the pusher's credential. */
async function pushLargeImage(world: BenchWorld, dir: string, reference: string): Promise<void> {
  const env = { ...process.env, DOCKER_CONFIG: join(dir, 'pusher-config') };
  const refresh = await tokenClient(world, await tokenAtHand(world.emulator, pusher)).refreshToken({ loginServer: world.emulator.loginServer('contosoapps') });
  await handOffToDocker({ serverAddress: world.emulator.loginServer('contosoapps'), username: nullGuid, secret: refresh.token }, { persist: true, environment: { env } });
  const lines = ['FROM scratch'];
  for (const [index, size] of layerBytes.entries()) {
    await writeFile(join(dir, `layer${index}`), randomBytes(size));
    lines.push(`COPY layer${index} /layer${index}`);
  }
  await writeFile(join(dir, 'Dockerfile'), lines.join('\n'));
  await run('docker', ['build', '-q', '-t', reference, dir], { env: { ...env, DOCKER_BUILDKIT: '0' }, maxBuffer: 16 * 2 ** 20 });
  await run('docker', ['push', reference], { env, maxBuffer: 16 * 2 ** 20 });
  await run('docker', ['image', 'rm', reference], { env });
}

export async function pullBench(world: BenchWorld): Promise<Row[]> {
  const registry = world.emulator.loginServer('contosoapps');
  const dir = await mkdtemp(join(tmpdir(), 'acr-bench-pull-'));
  try {
    const large = `${registry}/bench/large:1`;
    await pushLargeImage(world, join(dir, 'image'), large).catch((error: unknown) => {
      throw new Error(`could not push the benchmark image: ${String(error)}`);
    });
    const engine = await connectDockerEngine();
    const refresh = await tokenClient(world, await tokenAtHand(world.emulator)).refreshToken({ loginServer: registry });
    const credential = { username: nullGuid, password: refresh.token, serverAddress: registry };
    // docker pull reads the same credential from its config, as after the extension logged Docker in.
    const env = { ...process.env, DOCKER_CONFIG: join(dir, 'puller-config') };
    await handOffToDocker({ serverAddress: registry, username: nullGuid, secret: refresh.token }, { persist: true, engine, environment: { env } });
    const remove = (reference: string) => () => run('docker', ['image', 'rm', '-f', reference], { env }).then(() => undefined);

    const rows: Row[] = [];
    for (const [reference, what] of [
      [large, 'an 8 MiB image in two layers'],
      [`${registry}/hello:v1`, 'a one-layer image of a few hundred bytes'],
    ]) {
      const samples = await race(
        [
          { name: 'ours', prepare: remove(reference), run: () => pullImage(engine, reference, credential) },
          { name: 'docker pull', prepare: remove(reference), run: () => run('docker', ['pull', '-q', reference], { env }) },
        ],
        repetitions,
        1,
      );
      rows.push(ratioRow('pull', `pullImage, ${what}, vs docker pull`, measured(samples.get('ours')!, 'ms'), { name: 'docker pull', ...measured(samples.get('docker pull')!, 'ms') }, 1.05));
    }
    await remove(large)();
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
