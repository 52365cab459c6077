import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { dockerConfigDir, DockerEnvironment } from './config';
import { DockerConfigError, DockerEngineUnavailableError } from './errors';

/** Where the Docker engine is, found the way the docker CLI finds it. */
export interface EngineLocation {
  /** unix://..., npipe://..., tcp://host:port or ssh://[user@]host[:port] */
  readonly host: string;
  /** Where the host came from, e.g. `DOCKER_HOST` or `docker context "remote"`. */
  readonly source: string;
  /** Every source looked at, in order, with what it said. */
  readonly tried: readonly string[];
  /** Client certificate files for TLS to a tcp host; absent means plain HTTP. */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

export interface EngineEnvironment extends DockerEnvironment {
  readonly platform: NodeJS.Platform;
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

  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    tried.push(`DOCKER_HOST=${dockerHost}`);
    const certDir = env.DOCKER_CERT_PATH || configDir;
    const tls = env.DOCKER_TLS_VERIFY ? certificateFiles(certDir) : undefined;
    return { host: dockerHost, source: 'DOCKER_HOST', tried, ...(tls ? { tls } : {}) };
  }
  tried.push('DOCKER_HOST (not set)');

  const context = env.DOCKER_CONTEXT?.trim() || (await currentContext(join(configDir, 'config.json')));
  if (context && context !== 'default') {
    const contextDir = createHash('sha256').update(context).digest('hex');
    const metaFile = join(configDir, 'contexts', 'meta', contextDir, 'meta.json');
    const host = await contextHost(metaFile, context);
    tried.push(`docker context "${context}" (${host})`);
    const tlsDir = join(configDir, 'contexts', 'tls', contextDir, 'docker');
    const tls = host.startsWith('tcp://') && (await readable(join(tlsDir, 'cert.pem'))) ? certificateFiles(tlsDir) : undefined;
    return { host, source: `docker context "${context}"`, tried, ...(tls ? { tls } : {}) };
  }
  tried.push(context ? 'docker context "default"' : 'docker context (none selected)');

  const host = platformDefault(environment.platform);
  tried.push(`platform default ${host}`);
  return { host, source: 'platform default', tried };
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

async function contextHost(metaFile: string, context: string): Promise<string> {
  const meta = (await readJson(metaFile)) as { Endpoints?: { docker?: { Host?: unknown } } } | undefined;
  if (meta === undefined) {
    throw new DockerEngineUnavailableError(`docker context "${context}"`, [`docker context "${context}"`], l10n.t('no such context: {0} does not exist; run `docker context use default` or create the context', metaFile));
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
    throw new DockerEngineUnavailableError(host, location.tried, l10n.t('{0} is not a URL such as unix:///var/run/docker.sock or tcp://host:2376', location.source));
  }
  if (url.protocol === 'ssh:') {
    return { protocol: 'ssh', host: url.hostname, port: Number(url.port || 22), ...(url.username ? { username: decodeURIComponent(url.username) } : {}) };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DockerEngineUnavailableError(host, location.tried, l10n.t('the {0} scheme is not supported; use unix://, npipe://, tcp:// or ssh://', url.protocol));
  }
  const { tls } = location;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!tls) return { protocol: 'http', host: hostname, port: Number(url.port || 2375) };
  const [ca, cert, key] = await Promise.all([tls.caFile, tls.certFile, tls.keyFile].map((file) => readFile(file))).catch((error: NodeJS.ErrnoException) => {
    throw new DockerEngineUnavailableError(host, location.tried, l10n.t('cannot read the TLS certificates ({0}); put ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH', error.message));
  });
  return { protocol: 'https', host: hostname, port: Number(url.port || 2376), ca, cert, key };
}

/** A connected engine and where it was found. */
export interface DockerEngineConnection {
  readonly docker: Dockerode;
  readonly location: EngineLocation;
}

const pingTimeoutMs = 10_000;

/** Finds the engine, connects with dockerode (loaded now, not at activation) and checks that it answers. */
export async function connectDockerEngine(environment: EngineEnvironment = { env: process.env, platform: process.platform }): Promise<DockerEngineConnection> {
  const location = await discoverEngine(environment);
  const options = await dockerodeOptions(location);
  const { default: Docker } = await import('dockerode');
  const docker = new Docker(options);
  const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
  try {
    await ping({ abortSignal: AbortSignal.timeout(pingTimeoutMs) });
  } catch (error) {
    throw new DockerEngineUnavailableError(location.host, location.tried, connectionProblem(error));
  }
  return { docker, location };
}

function connectionProblem(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') return l10n.t('nothing is listening there');
  if (code === 'EACCES') return l10n.t('permission denied; add your user to the docker group, then sign in again');
  if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') return l10n.t('no answer within {0} s', pingTimeoutMs / 1000);
  return message;
}
