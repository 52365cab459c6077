// The cost of a real network: sign-in to Docker ready, the tree's first page of a registry, Find Repository
// and Pull Image, each with Entra, ARM and the registry 25 ms away each way (delayedNetwork.ts), the Docker
// engine's own requests and `az acr login` included. Round trips on the critical path are the time the delay
// added over the same run on loopback, divided by the round-trip time; new connections are counted by the
// forwarders. Each run starts with no connection open, as after the user has been doing something else.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TokenCredential } from '@azure/core-auth';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { lastBefore, RegistryContent } from '../../src/acr/registryContent';
import { connectDockerEngine } from '../../src/docker/engine';
import { handOffToDocker } from '../../src/docker/handoff';
import { pullImage } from '../../src/docker/pull';
import { clients, componentFixture, emulatorCloud, entraToken } from '../component/emulatorSupport';
import { RunningEmulator } from '../world/emulator';
import { contoso, lastSeq, nullGuid, startEmulatorPatiently, tokenAtHand } from './benchWorld';
import { delayHosts, DelayedNetwork } from './delayedNetwork';
import { Contender, measured, median, race, single } from './measure';
import { limitRow, ratioRow, Row } from './report';
import { pathWith } from './signIn';

const exec = promisify(execFile);
const oneWayMs = 25;
const roundTripMs = 2 * oneWayMs;
const repetitions = 7;
const registryName = 'contosoapps';

/** The fewest sequential round trips (a new connection costs two: TCP, then TLS 1.3) and new connections a path can take. */
interface Minimum {
  readonly roundTrips: number;
  readonly connections: number;
  readonly steps: string;
}

const minimums: Record<string, Minimum> = {
  exchange: {
    roundTrips: 4,
    connections: 2,
    steps: 'Entra: connect (2), token (1), while the registry: connect (2), GET /v2/ challenge (1); then POST /oauth2/exchange (1) on that connection',
  },
  exchangeTokenAtHand: { roundTrips: 4, connections: 1, steps: 'the registry: connect (2), GET /v2/ challenge (1), POST /oauth2/exchange (1) on that connection' },
  signIn: {
    roundTrips: 9,
    connections: 3,
    steps:
      'Entra: connect (2), token (1), while the registry: connect (2), GET /v2/ challenge (1); then POST /oauth2/exchange (1) on that connection; ' +
      "then the engine's own: connect (2), GET /v2/ (1), POST /oauth2/token (1), GET /v2/ with the token (1); config written locally",
  },
  firstPage: { roundTrips: 4, connections: 1, steps: 'connect (2), POST /oauth2/token for registry:catalog:* (1), GET /acr/v1/_catalog?n=100 (1)' },
  find: { roundTrips: 3, connections: 1, steps: 'connect (2), GET /acr/v1/_catalog?last=<before the prefix> (1), the catalog token cached since the tree showed the registry' },
  pull: {
    roundTrips: 7,
    connections: 1,
    steps: 'the engine: connect (2), GET /v2/ (1), POST /oauth2/token (1), GET the manifest (1), GET the config blob (1), GET the layer blob (1) (6 with both blobs at once over HTTP/2)',
  },
};

/**
 * VS Code's Microsoft account as the extension sees it on a registry's first sign-in: the token is asked of
 * Entra (client credentials stand in for the account's refresh token: one request either way).
 */
function entraOverNetwork(emulator: RunningEmulator, identity: { clientId: string; secret: string }): TokenCredential {
  return {
    getToken: async (scopes) => ({ token: await entraToken(emulator, identity, [scopes].flat()[0]), expiresOnTimestamp: Date.now() + 30 * 60_000 }),
  };
}

interface PathResult {
  readonly wan: number[];
  readonly loopback: number[];
  readonly connections: Record<string, number>;
  readonly requests: Record<string, number>;
}

/**
 * Times `run` with the delay and on loopback in turns, each run after `prepare` (untimed) and with every
 * connection dropped; then once more with the delay, counting connections and requests per host.
 */
async function measurePath(network: DelayedNetwork, emulator: RunningEmulator, name: string, contender: Omit<Contender, 'name'>, count: number): Promise<PathResult> {
  const at = (delayMs: number): Contender => ({
    name: String(delayMs),
    prepare: async () => {
      network.oneWayMs = delayMs;
      await contender.prepare?.();
      await network.dropConnections();
    },
    run: contender.run,
  });
  const samples = await race([at(oneWayMs), at(0)], count, 1);
  network.oneWayMs = oneWayMs;
  await contender.prepare?.();
  await network.dropConnections();
  network.resetConnections();
  const since = await lastSeq(emulator);
  await contender.run();
  const requests: Record<string, number> = {};
  for (const entry of (await emulator.client.log()).filter((logged) => logged.seq > since)) requests[entry.server] = (requests[entry.server] ?? 0) + 1;
  console.log(`  ${name}: ${median(samples.get(String(oneWayMs))!).toFixed(0)} ms with the delay, ${median(samples.get('0')!).toFixed(0)} ms without`);
  return { wan: samples.get(String(oneWayMs))!, loopback: samples.get('0')!, connections: network.connections(), requests };
}

function roundTrips(result: PathResult): number {
  return Math.round((median(result.wan) - median(result.loopback)) / roundTripMs);
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}

function perHost(result: PathResult): string {
  const hosts = [...new Set([...Object.keys(result.requests), ...Object.keys(result.connections)])];
  return hosts.map((host) => `${host}: ${result.requests[host] ?? 0} requests, ${result.connections[host] ?? 0} new connections`).join('; ');
}

/** The rows every path has: time, round trips and new connections against the minimum. */
function pathRows(bench: string, what: string, result: PathResult, minimum: Minimum): Row[] {
  const trips = roundTrips(result);
  return [
    limitRow(bench, `${what}: time, ${roundTripMs} ms round trips`, measured(result.wan, 'ms'), undefined, '-', undefined, { name: 'loopback', ...measured(result.loopback, 'ms') }),
    limitRow(bench, `${what}: sequential round trips on the critical path`, single(trips, ''), minimum.roundTrips, `<= ${minimum.roundTrips} (minimum)`, `minimum: ${minimum.steps}. Measured as (time with the delay - time on loopback) / ${roundTripMs} ms`),
    limitRow(bench, `${what}: new TCP/TLS connections`, single(total(result.connections), ''), minimum.connections, `<= ${minimum.connections} (minimum)`, perHost(result)),
  ];
}

/** The Azure CLI signed in to the emulator as a registered custom cloud, as in emulatorArmResources.test.ts. */
async function azureCli(emulator: RunningEmulator, dir: string, env: () => NodeJS.ProcessEnv): Promise<(...args: string[]) => Promise<void>> {
  const az = async (...args: string[]): Promise<void> => {
    await exec('az', args, { env: { ...env(), AZURE_CONFIG_DIR: join(dir, 'az'), REQUESTS_CA_BUNDLE: emulator.caPath, AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_ONLY_SHOW_ERRORS: 'true' }, timeout: 120_000 }).catch(
      (error: Error & { stderr?: string }) => {
        throw new Error(`az ${args.slice(0, 2).join(' ')} failed:\n${error.stderr || error.message}`);
      },
    );
  };
  await az(
    'cloud', 'register', '--name', 'AcrEmulator',
    '--endpoint-active-directory', `${emulator.entra.authorityHost}/adfs`,
    '--endpoint-resource-manager', emulator.arm.endpoint,
    '--endpoint-active-directory-resource-id', emulator.arm.audience,
    '--endpoint-active-directory-graph-resource-id', 'https://graph.windows.net/',
    '--endpoint-management', emulator.arm.audience,
    '--suffix-acr-login-server-endpoint', '.azurecr.localhost',
  );
  await az('cloud', 'set', '--name', 'AcrEmulator');
  const secretFile = join(dir, 'owner-secret');
  await writeFile(secretFile, clients.owner.secret, { mode: 0o600 });
  await az('login', '--service-principal', '--username', clients.owner.clientId, '--password', `@${secretFile}`, '--tenant', contoso);
  return az;
}

export async function wanBench(): Promise<Row[]> {
  const emulator = await startEmulatorPatiently(JSON.parse(await readFile(componentFixture, 'utf8')) as object);
  const dir = await mkdtemp(join(tmpdir(), 'acr-bench-wan-'));
  let network: DelayedNetwork | undefined;
  try {
    const registry = emulator.loginServer(registryName);
    const port = (url: string) => Number(new URL(url.includes('://') ? url : `https://${url}`).port);
    network = await delayHosts(
      [
        { name: 'entra', port: port(emulator.entra.authorityHost) },
        { name: 'arm', port: port(emulator.arm.endpoint) },
        { name: `registry:${registryName}`, port: port(registry) },
      ],
      oneWayMs,
    );
    const cloud = emulatorCloud(emulator);
    const trust = { cloud, armLoginServers: [registry] };
    const credential = entraOverNetwork(emulator, clients.owner);
    const newClient = () => new AcrTokenClient({ credential, trust });
    const engine = await connectDockerEngine();
    let configs = 0;
    let config = join(dir, 'docker-config');
    // No credential helper on the PATH, so that the docker login az runs saves to config.json as ours does.
    const tools = await pathWith(join(dir, 'bin'), ['docker', 'az']);
    const env = () => ({ ...process.env, PATH: tools, DOCKER_CONFIG: config });
    const freshConfig = () => {
      config = join(dir, `docker-config-${++configs}`);
      return Promise.resolve();
    };

    console.log('  signing the Azure CLI in to the emulator...');
    network.oneWayMs = 0;
    const az = await azureCli(emulator, dir, env);

    const signIn = await measurePath(network, emulator, 'sign-in, ours', {
      prepare: freshConfig,
      run: async () => {
        const refresh = await newClient().refreshToken({ loginServer: registry });
        await handOffToDocker({ serverAddress: registry, username: nullGuid, secret: refresh.token }, { persist: true, engine, environment: { env: env() } });
      },
    }, repetitions);
    const exchange = await measurePath(network, emulator, 'the exchange alone', { run: () => newClient().refreshToken({ loginServer: registry }) }, repetitions);
    const atHand = new AcrTokenClient({ credential: await tokenAtHand(emulator, clients.owner), trust });
    const exchangeAtHand = await measurePath(network, emulator, 'the exchange, Entra token at hand', {
      prepare: () => Promise.resolve(atHand.forget(registry)),
      run: () => atHand.refreshToken({ loginServer: registry }),
    }, repetitions);
    const azLogin = await measurePath(network, emulator, 'sign-in, az acr login', { prepare: freshConfig, run: () => az('acr', 'login', '--name', registryName) }, repetitions);

    // The tree and Find Repository: signed in (the refresh token cached), as when the registry is expanded.
    let content: RegistryContent | undefined;
    const signedIn = async (catalogToken: boolean) => {
      const client = newClient();
      content = new RegistryContent({ loginServer: registry, accessToken: async (scopes, signal) => (await client.accessToken({ loginServer: registry }, scopes, { signal })).token });
      await client.refreshToken({ loginServer: registry });
      if (catalogToken) await client.accessToken({ loginServer: registry }, ['registry:catalog:*']);
    };
    const firstPage = await measurePath(network, emulator, 'first page', { prepare: () => signedIn(false), run: () => content!.repositories({ pageSize: 100 }) }, repetitions);
    const find = await measurePath(network, emulator, 'Find Repository', { prepare: () => signedIn(true), run: () => content!.repositories({ pageSize: 50, after: lastBefore('hel') }) }, repetitions);

    const image = `${registry}/hello:v1`;
    const refresh = (await newClient().refreshToken({ loginServer: registry })).token;
    config = join(dir, 'puller-config');
    await handOffToDocker({ serverAddress: registry, username: nullGuid, secret: refresh }, { persist: true, engine, environment: { env: env() } });
    // By id, with every name it has: a copy left under another name (by the pull bench) would leave the pull a mere check.
    const remove = async () => {
      const id = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { env: env() }).then(({ stdout }) => stdout.trim(), () => undefined);
      if (id) await exec('docker', ['image', 'rm', '-f', id], { env: env() });
    };
    const pull = await measurePath(network, emulator, 'Pull Image', { prepare: remove, run: () => pullImage(engine, image, { username: nullGuid, password: refresh, serverAddress: registry }) }, repetitions);
    const dockerPull = await measurePath(network, emulator, 'docker pull', { prepare: remove, run: () => exec('docker', ['pull', '-q', image], { env: env() }) }, repetitions);

    const signInBench = 'wan: sign-in to Docker ready';
    const azTrips = roundTrips(azLogin);
    return [
      ratioRow(signInBench, `exchange, engine check, config written, vs az acr login, ${roundTripMs} ms round trips`, measured(signIn.wan, 'ms'), { name: 'az acr login', ...measured(azLogin.wan, 'ms') }, 0.3, `az acr login: ${azTrips} round trips (${perHost(azLogin)}); on loopback ${median(azLogin.loopback).toFixed(0)} ms`),
      ...pathRows(signInBench, 'ours', signIn, minimums.signIn),
      ...pathRows(signInBench, "the extension's own requests (challenge, Entra token, exchange)", exchange, minimums.exchange),
      ...pathRows(signInBench, "the extension's own requests, the Entra token at hand (VS Code's account had one)", exchangeAtHand, minimums.exchangeTokenAtHand),
      limitRow(signInBench, "the rest: the engine's own login to the registry (POST /auth), round trips", single(roundTrips(signIn) - roundTrips(exchange), ''), undefined, `minimum ${minimums.signIn.roundTrips - minimums.exchange.roundTrips}`, 'the sign-in less the exchange alone'),
      limitRow(signInBench, "the rest: the engine's own login to the registry (POST /auth), new connections", single(total(signIn.connections) - total(exchange.connections), ''), undefined, `minimum ${minimums.signIn.connections - minimums.exchange.connections}`, 'the sign-in less the exchange alone'),
      ...pathRows('wan: tree first page', 'RegistryContent, 100 repositories', firstPage, minimums.firstPage),
      ...pathRows('wan: Find Repository', "RegistryContent seeking to 'hel'", find, minimums.find),
      ratioRow('wan: Pull Image', `pullImage, a one-layer image of a few hundred bytes, vs docker pull, ${roundTripMs} ms round trips`, measured(pull.wan, 'ms'), { name: 'docker pull', ...measured(dockerPull.wan, 'ms') }, 1.05, `docker pull: ${roundTrips(dockerPull)} round trips (${perHost(dockerPull)})`),
      ...pathRows('wan: Pull Image', 'pullImage', pull, minimums.pull),
    ];
  } finally {
    await network?.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
