import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Arm } from './arm';
import { RegistryBackend } from './backend';
import { authorityCertPath, loadOrCreateAuthority } from './authority';
import { controlRoute } from './control';
import { Entra } from './entra';
import { FaultBook } from './faults';
import { Fixture } from './fixture';
import { listen, Route, RunningServer } from './http';
import { imdsRoute } from './imds';
import { decodeJwt } from './jwt';
import { loginServerRoute } from './loginServer';
import { Certificate, createCertificate, generateKeys, KeyPair } from './pki';
import { RegistryProcess, startRegistry } from './registryProcess';
import { RequestLog } from './requestLog';
import { prepareSeed } from './seed';
import { TelemetryCollector } from './telemetry';
import { acrAudience, World } from './world';

/** Everything a client needs to reach the emulator; the CLI prints it as one JSON line. */
export interface EmulatorInfo {
  /** The temp dir of this run (registry storage, configs, identity files); removed on stop. */
  workDir: string;
  caPath: string;
  entra: { authorityHost: string; deviceLoginUrl: string };
  arm: { endpoint: string; audience: string };
  acrAudience: string;
  imds: { endpoint: string };
  /** An Application Insights ingestion endpoint that keeps what arrives (read it through the control API's /telemetry). */
  telemetry: { ingestionEndpoint: string; connectionString: string };
  control: string;
  tenants: Array<{ id: string; displayName: string; defaultDomain: string }>;
  subscriptions: Array<{ id: string; displayName: string; tenant: string }>;
  registries: Array<{ name: string; loginServer: string; hostname: string; subscription: string; resourceGroup: string }>;
  /** Files the emulator made for identities: PEM certificate+key, projected workload token. */
  identityFiles: Record<string, { certificatePath?: string; federatedTokenPath?: string }>;
  env: Record<string, string>;
}

export interface Emulator {
  readonly info: EmulatorInfo;
  readonly world: World;
  stop(): Promise<void>;
  /** Last-resort clean-up from a process `exit` handler: synchronous, no waiting. */
  killNow(): void;
}

/** Starts every emulated endpoint on free loopback ports, with a docker-registry process per registry. */
export async function startEmulator(fixture: Fixture): Promise<Emulator> {
  const dir = await mkdtemp(join(tmpdir(), 'acr-emulator-'));
  const servers: RunningServer[] = [];
  const registries: Registries = { started: [], stopping: false };
  const stop = async (): Promise<void> => {
    registries.stopping = true;
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(registries.started.map((registry) => registry.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  const killNow = (): void => {
    for (const registry of registries.started) registry.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const info = await start(fixture, dir, servers, registries);
    return { ...info, stop, killNow };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The registry processes started so far; none starts once the emulator is stopping. */
interface Registries {
  started: RegistryProcess[];
  stopping: boolean;
}

async function start(fixture: Fixture, dir: string, servers: RunningServer[], registries: Registries): Promise<{ info: EmulatorInfo; world: World }> {
  const authority = await loadOrCreateAuthority();
  const serverKeys = generateKeys();
  const acrSigning = createCertificate({ commonName: 'Azure Container Registry token signing', keys: generateKeys(), validDays: 30 });
  const world = new World(fixture, generateKeys(), acrSigning, generateKeys());
  const log = new RequestLog();
  const faults = new FaultBook();
  const certificateFor = (dnsNames: string[], issuer?: typeof authority): { key: string; cert: string } => ({
    key: serverKeys.privateKeyPem,
    cert: createCertificate({ commonName: dnsNames[0] ?? 'localhost', keys: serverKeys, issuer, dnsNames: [...dnsNames, 'localhost'], ipAddresses: ['127.0.0.1'] }).pem,
  });
  // The untrusted certificate (self-signed, for the tlsFailure fault) is made only when a fault needs it.
  const tlsFor = (...dnsNames: string[]): { tls: { key: string; cert: string }; untrustedTls: () => { key: string; cert: string } } => {
    let untrusted: { key: string; cert: string } | undefined;
    return { tls: certificateFor(dnsNames, authority), untrustedTls: () => (untrusted ??= certificateFor(dnsNames)) };
  };
  const inspectToken = (token: string, entry: { entraTokenJtis?: string[] }): void => {
    const jti = world.entraJti(token);
    if (jti) entry.entraTokenJtis = [...(entry.entraTokenJtis ?? []), jti];
  };
  const resignEntra = (token: string, claims: Record<string, unknown>): string => world.signEntraToken({ ...decodeJwt(token)?.claims, ...claims });
  const resignAcr = (token: string, claims: Record<string, unknown>): string => world.signAcrToken({ ...decodeJwt(token)?.claims, ...claims });
  const common = { log, faults, inspectToken };

  const entra = new Entra(world);
  const entraServer = await listen({ ...common, name: 'entra', ...tlsFor('login.emulator.localhost'), route: entra.route(), resign: resignEntra });
  servers.push(entraServer);
  world.entraBase = `https://127.0.0.1:${entraServer.port}`;

  const arm = new Arm(world);
  const armServer = await listen({ ...common, name: 'arm', ...tlsFor('management.emulator.localhost'), route: arm.route() });
  servers.push(armServer);
  arm.base = `https://127.0.0.1:${armServer.port}`;

  const imdsServer = await listen({ ...common, name: 'imds', route: imdsRoute(world), resign: resignEntra });
  servers.push(imdsServer);

  const telemetry = new TelemetryCollector();
  const telemetryServer = await listen({ ...common, name: 'telemetry', ...tlsFor('telemetry.emulator.localhost'), route: telemetry.route() });
  servers.push(telemetryServer);
  const ingestionEndpoint = `https://127.0.0.1:${telemetryServer.port}/telemetry/`;

  const signingCertPath = join(dir, 'acr-token-signing.pem');
  await writeFile(signingCertPath, acrSigning.pem);
  await Promise.all(
    world.registries.map(async (registry) => {
      const hostname = `${registry.name.toLowerCase()}.azurecr.localhost`;
      let route: Route = () => Promise.resolve({ status: 503, json: { errors: [{ code: 'UNAVAILABLE', message: 'starting', detail: null }] } });
      const server = await listen({ ...common, name: `registry:${registry.name}`, ...tlsFor(hostname), route: (exchange) => route(exchange), resign: resignAcr });
      servers.push(server);
      registry.loginServer = `127.0.0.1:${server.port}`;
      const seed = await prepareSeed(world, registry);
      const startBackend = async (): Promise<RegistryBackend> => {
        if (registries.stopping) throw new Error('the emulator is stopping');
        const registryProcess = await startRegistry({ dir: join(dir, 'registries', registry.name), loginServer: registry.loginServer, rootCertBundlePath: signingCertPath });
        registries.started.push(registryProcess);
        if (registries.stopping) {
          await registryProcess.stop();
          throw new Error('the emulator is stopping');
        }
        const backend = new RegistryBackend(world, registry, registryProcess.port, registryProcess.storageDir);
        await seed.apply(registryProcess.port, backend.storage);
        return backend;
      };
      // Most tests use one or two registries of their fixture: each registry's process starts when a request needs it.
      route = loginServerRoute(world, registry, once(startBackend));
    }),
  );

  const identityFiles: EmulatorInfo['identityFiles'] = {};
  await mkdir(join(dir, 'identities'), { recursive: true });
  for (const identity of world.identities) {
    const files: { certificatePath?: string; federatedTokenPath?: string } = {};
    if (identity.certificate) {
      const keys: KeyPair = generateKeys();
      const certificate: Certificate = createCertificate({ commonName: identity.displayName, keys, validDays: 365 });
      world.identityCertificates.set(identity.name, certificate);
      files.certificatePath = join(dir, 'identities', `${identity.name}.pem`);
      await writeFile(files.certificatePath, certificate.pem + keys.privateKeyPem, { mode: 0o600 });
    }
    const subject = identity.federatedSubjects?.[0];
    if (subject) {
      files.federatedTokenPath = join(dir, 'identities', `${identity.name}.token`);
      await writeFile(files.federatedTokenPath, world.mintWorkloadToken(subject), { mode: 0o600 });
    }
    if (files.certificatePath || files.federatedTokenPath) identityFiles[identity.name] = files;
  }

  const caPath = authorityCertPath();
  const info: EmulatorInfo = {
    workDir: dir,
    caPath,
    entra: { authorityHost: world.entraBase, deviceLoginUrl: `${world.entraBase}/device` },
    arm: { endpoint: arm.base, audience: world.armAudience },
    acrAudience,
    imds: { endpoint: `http://127.0.0.1:${imdsServer.port}` },
    telemetry: { ingestionEndpoint, connectionString: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${ingestionEndpoint}` },
    control: '',
    tenants: world.tenants.map(({ id, displayName, defaultDomain }) => ({ id, displayName, defaultDomain })),
    subscriptions: world.subscriptions.map(({ id, displayName, tenant }) => ({ id, displayName, tenant })),
    registries: world.registries.map((registry) => ({
      name: registry.name,
      loginServer: registry.loginServer,
      hostname: `${registry.name.toLowerCase()}.azurecr.localhost`,
      subscription: registry.subscription.id,
      resourceGroup: registry.fixture.resourceGroup,
    })),
    identityFiles,
    env: {
      NODE_EXTRA_CA_CERTS: caPath,
      AZURE_AUTHORITY_HOST: world.entraBase,
      AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${imdsServer.port}`,
    },
  };
  const controlServer = await listen({ name: 'control', log: new RequestLog(), faults: new FaultBook(), route: controlRoute({ info, log, faults, entra, world, telemetry }) });
  servers.push(controlServer);
  info.control = `http://127.0.0.1:${controlServer.port}`;
  return { info, world };
}

/** Runs `start` on the first call and shares its result; after a failure the next call tries again. */
function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () =>
    (started ??= start().catch((error: unknown) => {
      started = undefined;
      throw error;
    }));
}
