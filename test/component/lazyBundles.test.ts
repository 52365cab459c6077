import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type * as ArmContainerRegistry from '@azure/arm-containerregistry';
import type * as Identity from '@azure/identity';
import type Dockerode from 'dockerode';
import { packagedVsix } from '../world/build';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { zipEntries } from '../world/zip';
import { scopeFor } from '../../src/azure/clouds';
import { dockerodeOptions } from '../../src/docker/engine';
import { clients, contoso, devSubscription, useEmulator } from './emulatorSupport';

/** The package's dist/lazy, unpacked from the .vsix. */
let lazyDir: string;
const load = createRequire(__filename);

/** One module of a bundle that `npm run package` ships in dist/lazy (see esbuild.mjs). */
function fromBundle<T>(bundle: string, module: string): T {
  return (load(`${lazyDir}${bundle}.js`) as Record<string, T>)[module];
}

/** The lazy bundles loaded in this process, by name. */
function loadedBundles(): string[] {
  return Object.keys(load.cache)
    .filter((file) => file.startsWith(lazyDir))
    .map((file) => file.slice(lazyDir.length))
    .sort();
}

describe('the bundles the extension loads on demand, as npm run package ships them', function () {
  this.timeout(120_000);
  const emulator = useEmulator();
  let engine: DockerEngine;
  let removeUnpacked: (() => Promise<void>) | undefined;

  const engineOptions = () => dockerodeOptions({ host: engine.host, source: 'DOCKER_HOST', tried: [], engines: ['docker'], system: { platform: 'linux', wsl: false } });

  before(async () => {
    const unpacked = await mkdtemp(join(tmpdir(), 'acr-lazy-bundles-'));
    removeUnpacked = () => rm(unpacked, { recursive: true, force: true });
    lazyDir = join(unpacked, 'lazy') + sep;
    await mkdir(lazyDir);
    for (const entry of zipEntries(await readFile(packagedVsix()))) {
      if (entry.name.startsWith('extension/dist/lazy/')) await writeFile(join(lazyDir, entry.name.slice('extension/dist/lazy/'.length)), entry.content());
    }
    engine = await startDockerEngine();
  });

  beforeEach(() => {
    // Each test starts with none of them loaded.
    for (const file of Object.keys(load.cache)) if (file.startsWith(lazyDir)) delete load.cache[file];
  });

  after(async () => {
    await engine?.stop();
    await removeUnpacked?.();
  });

  it('signs in with @azure/identity and lists registries with the ARM client, each from its own bundle', async () => {
    const { ClientSecretCredential } = fromBundle<typeof Identity>('azure-identity', '@azure/identity');
    const credential = new ClientSecretCredential(contoso, clients.owner.clientId, clients.owner.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true });
    const { ContainerRegistryManagementClient } = fromBundle<typeof ArmContainerRegistry>('azure-arm', '@azure/arm-containerregistry');
    const client = new ContainerRegistryManagementClient(credential, devSubscription, { endpoint: emulator().arm.endpoint, credentials: { scopes: [scopeFor(emulator().arm.audience)] } });

    const names: string[] = [];
    for await (const registry of client.registries.list()) names.push(registry.name ?? '');
    assert.ok(names.includes('contosoapps'), `listed: ${names.join(', ')}`);
    assert.deepEqual(loadedBundles(), ['azure-arm.js', 'azure-core.js', 'azure-identity.js', 'msal-node.js']);
  });

  it('talks to the engine with dockerode, loading ssh2 only for an ssh:// engine', async () => {
    const { default: Docker } = fromBundle<{ default: typeof Dockerode }>('dockerode', 'dockerode');
    const version = await new Docker(await engineOptions()).version();
    assert.match(version.ApiVersion, /^1\.\d+$/);
    assert.deepEqual(loadedBundles(), ['dockerode.js']);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(new Docker({ protocol: 'ssh', host: '127.0.0.1', port, username: 'nobody' }).ping(), { code: 'ECONNREFUSED' });
    assert.deepEqual(loadedBundles(), ['docker-ssh.js', 'dockerode.js']);
  });

  it('says BuildKit is left out, instead of failing somewhere inside gRPC', async () => {
    const { default: Docker } = fromBundle<{ default: typeof Dockerode }>('dockerode', 'dockerode');
    const docker = new Docker(await engineOptions());
    await assert.rejects(docker.buildImage('context.tar', { version: '2' }), /BuildKit is not included/);
  });
});
