import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { release } from 'node:os';
import { join, posix } from 'node:path';
import type Dockerode from 'dockerode';
import { dockerConfigDir, DockerEnvironment } from './config';
import { DockerConfigError, DockerEngineUnavailableError, EngineEndpoint, HostSystem, permissionAdvice } from './errors';
import { installedPrograms } from './installedPrograms';

/** Where the engine is, found the way the docker CLI (or podman) finds it. */
export interface EngineLocation extends EngineEndpoint {
  /** Where the host came from, e.g. `DOCKER_HOST` or `docker context "remote"`. */
  readonly source: string;
  /** Client certificate files for TLS to a tcp host; absent means plain HTTP. */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

/** The `acrAccess.engine` setting: Docker's engine, Podman's, or Podman when no Docker engine answers. */
export type EnginePreference = 'auto' | 'docker' | 'podman';

export interface EngineEnvironment extends DockerEnvironment {
  readonly platform: NodeJS.Platform;
  /** The kernel release (os.release()); one built by Microsoft means WSL. */
  readonly osRelease?: string;
  /** 'auto' when absent. */
  readonly engine?: EnginePreference;
}

/** This process's environment, platform and kernel. */
export function processEngineEnvironment(engine?: EnginePreference): EngineEnvironment {
  return { env: process.env, platform: process.platform, osRelease: release(), ...(engine ? { engine } : {}) };
}

/** The platform, and whether it is Linux under WSL (WSL_DISTRO_NAME is set, or the kernel is Microsoft's). */
export function hostSystem({ env, platform, osRelease }: EngineEnvironment): HostSystem {
  return { platform, wsl: platform === 'linux' && (Boolean(env.WSL_DISTRO_NAME) || /microsoft|wsl/i.test(osRelease ?? '')) };
}

function platformDefault(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
}

/**
 * Finds the engine as the docker CLI does: DOCKER_HOST, then the docker context (DOCKER_CONTEXT or the
 * config's `currentContext`), then the platform default. Reads files only; connects to nothing.
 */
export async function discoverEngine(environment: EngineEnvironment): Promise<EngineLocation> {
  const { env } = environment;
  const configDir = dockerConfigDir(environment);
  const tried: string[] = [];
  const found = { engines: ['docker'] as const, system: hostSystem(environment), tried };

  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    tried.push(`DOCKER_HOST=${dockerHost}`);
    const certDir = env.DOCKER_CERT_PATH || configDir;
    const tls = env.DOCKER_TLS_VERIFY ? certificateFiles(certDir) : undefined;
    return { ...found, host: dockerHost, source: 'DOCKER_HOST', ...(tls ? { tls } : {}) };
  }
  tried.push('DOCKER_HOST (not set)');

  const context = env.DOCKER_CONTEXT?.trim() || (await currentContext(join(configDir, 'config.json')));
  if (context && context !== 'default') {
    const contextDir = createHash('sha256').update(context).digest('hex');
    const metaFile = join(configDir, 'contexts', 'meta', contextDir, 'meta.json');
    const host = await contextHost(metaFile, context, found);
    tried.push(`docker context "${context}" (${host})`);
    const tlsDir = join(configDir, 'contexts', 'tls', contextDir, 'docker');
    const tls = host.startsWith('tcp://') && (await readable(join(tlsDir, 'cert.pem'))) ? certificateFiles(tlsDir) : undefined;
    return { ...found, host, source: `docker context "${context}"`, ...(tls ? { tls } : {}) };
  }
  tried.push(context ? 'docker context "default"' : 'docker context (none selected)');

  const host = platformDefault(environment.platform);
  tried.push(`platform default ${host}`);
  return { ...found, host, source: 'platform default' };
}

/**
 * Finds Podman's API socket as podman does: CONTAINER_HOST, then on Windows the Podman machine's pipe, elsewhere
 * the rootless socket under XDG_RUNTIME_DIR, then the system one: the first socket that exists, or else the first
 * looked at. Connects to nothing.
 */
export async function discoverPodman(environment: EngineEnvironment): Promise<EngineLocation> {
  const { env } = environment;
  const tried: string[] = [];
  const found = { engines: ['podman'] as const, system: hostSystem(environment), tried };
  const containerHost = env.CONTAINER_HOST?.trim();
  if (containerHost) {
    tried.push(`CONTAINER_HOST=${containerHost}`);
    return { ...found, host: containerHost, source: 'CONTAINER_HOST' };
  }
  tried.push('CONTAINER_HOST (not set)');
  if (environment.platform === 'win32') {
    const pipe = 'npipe:////./pipe/podman-machine-default';
    tried.push(pipe);
    return { ...found, host: pipe, source: 'Podman machine' };
  }
  const sockets = [...(env.XDG_RUNTIME_DIR ? [posix.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock')] : []), '/run/podman/podman.sock'];
  for (const socket of sockets) {
    const isSocket = await stat(socket).then((info) => info.isSocket(), () => false);
    tried.push(isSocket ? socket : `${socket} (absent)`);
    if (isSocket) return { ...found, host: `unix://${socket}`, source: socket };
  }
  return { ...found, host: `unix://${sockets[0]}`, source: sockets[0] };
}

function certificateFiles(dir: string): NonNullable<EngineLocation['tls']> {
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
}

async function readable(file: string): Promise<boolean> {
  return readFile(file).then(
    () => true,
    () => false,
  );
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return text.trim() ? (JSON.parse(text) as unknown) : {};
  } catch (error) {
    throw new DockerConfigError(file, l10n.t('it is not valid JSON ({0}). Fix or remove the file.', (error as Error).message));
  }
}

async function currentContext(configFile: string): Promise<string | undefined> {
  const config = await readJson(configFile);
  const name = (config as { currentContext?: unknown } | undefined)?.currentContext;
  return typeof name === 'string' && name ? name : undefined;
}

async function contextHost(metaFile: string, context: string, found: Omit<EngineEndpoint, 'host'>): Promise<string> {
  const meta = (await readJson(metaFile)) as { Endpoints?: { docker?: { Host?: unknown } } } | undefined;
  if (meta === undefined) {
    throw new DockerEngineUnavailableError({ ...found, host: `docker context "${context}"`, tried: [...found.tried, `docker context "${context}"`] }, l10n.t('no such context: {0} does not exist; run `docker context use default` or create the context', metaFile));
  }
  const host = meta.Endpoints?.docker?.Host;
  if (typeof host !== 'string' || !host) throw new DockerConfigError(metaFile, l10n.t('docker context "{0}" has no Endpoints.docker.Host. Recreate the context with `docker context create`.', context));
  return host;
}

/** Options for dockerode; fails with a clear message on a host scheme the engine API cannot be reached through. */
export async function dockerodeOptions(location: EngineLocation): Promise<Dockerode.DockerOptions> {
  const { host } = location;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length) };
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new DockerEngineUnavailableError(location, l10n.t('{0} is not a URL such as unix:///var/run/docker.sock or tcp://host:2376', location.source));
  }
  if (url.protocol === 'ssh:') {
    return { protocol: 'ssh', host: url.hostname, port: Number(url.port || 22), ...(url.username ? { username: decodeURIComponent(url.username) } : {}) };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DockerEngineUnavailableError(location, l10n.t('the {0} scheme is not supported; use unix://, npipe://, tcp:// or ssh://', url.protocol));
  }
  const { tls } = location;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!tls) return { protocol: 'http', host: hostname, port: Number(url.port || 2375) };
  const [ca, cert, key] = await Promise.all([tls.caFile, tls.certFile, tls.keyFile].map((file) => readFile(file))).catch((error: NodeJS.ErrnoException) => {
    throw new DockerEngineUnavailableError(location, l10n.t('cannot read the TLS certificates ({0}); put ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH', error.message));
  });
  return { protocol: 'https', host: hostname, port: Number(url.port || 2376), ca, cert, key };
}

/** A connected engine and where it was found. */
export interface DockerEngineConnection {
  readonly docker: Dockerode;
  readonly location: EngineLocation;
}

const pingTimeoutMs = 10_000;

/**
 * Finds the engine, connects with dockerode (loaded now, not at activation) and checks that it answers. With
 * the 'auto' preference, when the Docker engine of the platform default does not answer (nothing chose
 * another one), Podman's socket is tried next.
 */
export async function connectDockerEngine(environment: EngineEnvironment = processEngineEnvironment()): Promise<DockerEngineConnection> {
  const preference = environment.engine ?? 'auto';
  const location = preference === 'podman' ? await discoverPodman(environment) : await discoverEngine(environment);
  const docker = await connectTo(location);
  if (typeof docker !== 'string') return docker;
  if (preference !== 'auto' || location.source !== 'platform default') throw new DockerEngineUnavailableError(location, docker);

  const podman = await discoverPodman(environment);
  const tried = [...location.tried, ...podman.tried];
  const connection = await connectTo({ ...podman, tried });
  if (typeof connection !== 'string') return connection;
  // Podman is named in the advice only where it is installed.
  const podmanInstalled = (await installedPrograms(['podman'], environment)).length > 0;
  throw new DockerEngineUnavailableError({ ...location, tried, engines: podmanInstalled ? ['docker', 'podman'] : ['docker'] }, docker);
}

/** A connection that answered a ping, or why there is none. */
async function connectTo(location: EngineLocation): Promise<DockerEngineConnection | string> {
  const options = await dockerodeOptions(location);
  const { default: Docker } = await import('dockerode');
  const docker = new Docker(options);
  const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
  try {
    await ping({ abortSignal: AbortSignal.timeout(pingTimeoutMs) });
  } catch (error) {
    return connectionProblem(error, location);
  }
  return { docker, location };
}

function connectionProblem(error: unknown, location: EngineLocation): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') return l10n.t('nothing is listening there');
  if (code === 'EACCES') return permissionAdvice(location.engines[0], location.system);
  if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') return l10n.t('no answer within {0} s', pingTimeoutMs / 1000);
  return message;
}
