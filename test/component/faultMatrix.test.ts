import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClientSecretCredential } from '@azure/identity';
import { HostTrust } from '../../src/acr/loginServer';
import { RegistryContent } from '../../src/acr/registryContent';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { RequestLimits } from '../../src/acr/http';
import { listRegistries, Subscription } from '../../src/azure/registries';
import { AzureCloud } from '../../src/azure/clouds';
import { connectDockerEngine, DockerEngineConnection } from '../../src/docker/engine';
import { handOffToDocker } from '../../src/docker/handoff';
import { pullImage } from '../../src/docker/pull';
import { adviceFor } from '../../src/failures';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { FaultSpec } from '../world/emulator';
import { acrScope, clients, contoso, devSubscription, emulatorCloud, entraToken, nullGuid, refreshToken, useEmulator } from './emulatorSupport';

const run = promisify(execFile);

/** The columns: every fault mode the emulator has, statuses with and without Retry-After. */
interface Mode {
  readonly name: string;
  readonly fault: Omit<FaultSpec, 'server' | 'path' | 'method'>;
}
const statusModes: Mode[] = [401, 403, 404, 429, 500, 503].flatMap((status) => [
  { name: `${status}`, fault: { mode: 'status', status } },
  { name: `${status}+RA`, fault: { mode: 'status', status, retryAfter: 1 } },
]);
const modes: Mode[] = [
  ...statusModes,
  { name: 'hang', fault: { mode: 'hang' } },
  { name: 'reset', fault: { mode: 'reset' } },
  { name: 'badJSON', fault: { mode: 'malformedBody' } },
  { name: 'badJWT', fault: { mode: 'malformedJwt' } },
  { name: 'oldJWT', fault: { mode: 'expiredJwt' } },
  { name: 'slowBody', fault: { mode: 'slowBody', delayMs: 120_000 } },
  { name: 'TLS', fault: { mode: 'tlsFailure' } },
];

/** What one cell came to: the advice kind of the failure, or why the combination does not exist. */
type Cell = { kind: string } | { notApplicable: string };

/** The rows: one endpoint each, driven through the extension's own code path. */
interface Endpoint {
  readonly name: string;
  /** The server and path the fault goes on, per mode; undefined (with a reason) when the combination does not exist. */
  faultFor(mode: Mode): { server: string; path?: string; method?: string } | { notApplicable: string };
  /** Runs the code path once; it must fail while the fault is on. */
  drive(signal: AbortSignal): Promise<unknown>;
}

/**
 * The advice kind every cell must give: what the user should be told, not merely what the code says today. A
 * cell whose kind is missing here fails, so each fault mode added to the emulator needs its verdict on each row.
 * Shown to fail for its reason (src/ broken for a run, then restored): a 403 filed as `network` in protocol.ts's
 * failure(), or a time-out in http.ts, failed the five registry rows at their 403 or hang cell; the engine's
 * refusal words left unread in docker/auth.ts failed the engine /auth row at 401.
 */
const registryTrouble = {
  ...bothRetryAfters(429, 'acr.throttled'),
  ...bothRetryAfters(500, 'acr.unavailable'),
  ...bothRetryAfters(503, 'acr.unavailable'),
  hang: 'acr.timeout',
  slowBody: 'acr.timeout',
  reset: 'acr.network',
  badJSON: 'acr.malformedResponse',
};
/** The exchange and the token request: a refused token is for signing in again, a 403 for a role (or the firewall). */
const tokenRequest = {
  ...registryTrouble,
  ...bothRetryAfters(401, 'acr.tokenExpired'),
  ...bothRetryAfters(403, 'acr.noRole'),
  // Neither endpoint is missing on a registry that is one.
  ...bothRetryAfters(404, 'acr.malformedResponse'),
  badJWT: 'acr.malformedResponse',
  oldJWT: 'acr.tokenExpired',
  TLS: 'acr.network',
};
/** Pages read with an access token the registry itself just issued for them. */
const listing = { ...registryTrouble, ...bothRetryAfters(401, 'acr.tokenExpired'), ...bothRetryAfters(403, 'acr.noRole') };
const loginRefused = 'docker.loginRefused';
const entraOutage = 'azure.entraUnavailable';
const expectedKinds: Record<string, Record<string, string>> = {
  // Issue #12: Entra's refusal of the app's secret, its throttling and outages, told apart although the libraries wrap them.
  Entra: {
    ...bothRetryAfters(401, 'azure.signInRefused'),
    ...bothRetryAfters(403, 'azure.signInRefused'),
    ...bothRetryAfters(404, 'acr.notSignedIn'),
    ...bothRetryAfters(429, entraOutage),
    ...bothRetryAfters(500, entraOutage),
    ...bothRetryAfters(503, entraOutage),
    hang: 'azure.entraTimeout',
    slowBody: 'azure.entraTimeout',
    reset: 'azure.entraUnreachable',
    TLS: 'azure.entraUnreachable',
    // MSAL reports a body it cannot parse as a network_error: a proxy in between is the likely cause.
    badJSON: 'azure.entraUnreachable',
    // Entra's token goes to the registry's exchange, which refuses it.
    badJWT: 'acr.tokenExpired',
    oldJWT: 'acr.tokenExpired',
  },
  ARM: {
    ...bothRetryAfters(401, 'arm.notSignedIn'),
    ...bothRetryAfters(403, 'arm.noRole'),
    ...bothRetryAfters(404, 'arm.failed'),
    ...bothRetryAfters(429, 'arm.throttled'),
    ...bothRetryAfters(500, 'arm.unavailable'),
    ...bothRetryAfters(503, 'arm.unavailable'),
    hang: 'arm.timeout',
    slowBody: 'arm.timeout',
    reset: 'arm.unavailable',
    TLS: 'arm.unavailable',
    badJSON: 'arm.failed',
  },
  challenge: {
    ...registryTrouble,
    // A 401 without the Bearer challenge, or no /v2/ at all: not a registry this extension can sign in to.
    ...bothRetryAfters(401, 'acr.malformedResponse'),
    ...bothRetryAfters(404, 'acr.malformedResponse'),
    // GET /v2/ carries no credential: no role can be missing, the registry's network rules turned the caller away.
    ...bothRetryAfters(403, 'acr.firewall'),
    TLS: 'acr.network',
  },
  exchange: tokenRequest,
  token: tokenRequest,
  // No catalog at either path: the registry has none to list (it is no ACR), no repository is missing.
  catalog: { ...listing, ...bothRetryAfters(404, 'acr.malformedResponse') },
  tags: { ...listing, ...bothRetryAfters(404, 'acr.notFound') },
  // The engine's words are shown in each; Docker's kinds tell a refusal from anything else, not throttling or outages.
  'engine /auth': {
    ...everyMode('docker.registryUnreachable'),
    ...bothRetryAfters(401, loginRefused),
    ...bothRetryAfters(403, loginRefused),
    badJWT: loginRefused,
    oldJWT: loginRefused,
  },
  'engine pull': {
    ...everyMode('docker.pullFailed'),
    ...bothRetryAfters(401, loginRefused),
    ...bothRetryAfters(403, loginRefused),
    badJWT: loginRefused,
    oldJWT: loginRefused,
    hang: 'docker.pullStalled',
    slowBody: 'docker.pullStalled',
  },
};

function bothRetryAfters(status: number, kind: string): Record<string, string> {
  return { [`${status}`]: kind, [`${status}+RA`]: kind };
}

function everyMode(kind: string): Record<string, string> {
  return Object.fromEntries(modes.map((mode) => [mode.name, kind]));
}

/** The code's own per-request bound, small so a cell that hangs ends quickly; the test's bound is far above it. */
const limits: Partial<RequestLimits> = { timeoutMs: 1_500, throttleRetries: 1, maxRetryAfterSeconds: 5 };
/**
 * ARM's bound holds the Azure SDK's own retries of a 5xx or a dropped connection (three, backing off 1, 2 and
 * 4 s at most), so those cells end in what ARM answered rather than in the bound; and the Entra token request
 * for ARM (a new credential per cell).
 */
const armTimeoutMs = 15_000;
const engineTimeoutMs = 3_000;
const testBoundMs = 60_000;
const tokenShape = /eyJ[A-Za-z0-9_-]{10,}/;

describe('fault matrix: every emulator fault mode on every endpoint the extension calls (issue #12 point 4)', function () {
  const emulator = useEmulator();
  let engine: DockerEngine;
  let connection: DockerEngineConnection;
  let cloud: AzureCloud;
  let trust: HostTrust;
  let login: string;
  let registryServer: string;
  let dir: string;
  let dockerConfig: string;
  let configBefore: string;
  let pullerRefresh: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  const matrix = new Map<string, Map<string, Cell>>();
  const secrets: string[] = [];

  const credential = (client = clients.puller): ClientSecretCredential =>
    // A new credential per cell: @azure/identity caches tokens per instance. Its pipeline would retry a 429 or
    // 5xx from Entra for seconds (3 x Retry-After, or backoff) before throwing the same error it throws at once
    // without retries; that wait would race the code's 1.5 s bound here, not the product's 30 s one.
    new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true, retryOptions: { maxRetries: 0 } });
  const tokenClient = (): AcrTokenClient => new AcrTokenClient({ credential: credential(), trust, limits });
  const environment = (): { env: NodeJS.ProcessEnv } => ({ env: { ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: dockerConfig } });
  /** Signing in to a registry as DockerLogins does it: an ACR refresh token, then the engine's check and the config write. */
  const logIn = async (signal: AbortSignal): Promise<unknown> => {
    const refresh = await tokenClient().refreshToken({ loginServer: login }, { signal });
    return handOffToDocker({ serverAddress: login, username: nullGuid, secret: refresh.token }, { persist: true, engine: connection, environment: environment(), signal, checkTimeoutMs: engineTimeoutMs });
  };
  const content = (): RegistryContent => {
    const client = tokenClient();
    return new RegistryContent({ loginServer: login, limits, accessToken: async (scopes, signal) => (await client.accessToken({ loginServer: login }, scopes, { signal })).token });
  };
  const noToken = (reason: string) => (mode: Mode) => (mode.fault.mode === 'expiredJwt' || mode.fault.mode === 'malformedJwt' ? { notApplicable: reason } : undefined);
  // The engine reads no body from GET /v2/ (a 200 there means no login is needed): body faults go on its token request.
  const readsBody = (mode: Mode): boolean => ['malformedBody', 'malformedJwt', 'expiredJwt', 'slowBody'].includes(mode.fault.mode);
  const insecureLoopback = (mode: Mode) =>
    mode.fault.mode === 'tlsFailure' ? { notApplicable: 'the engine treats a loopback registry as insecure and does not check its certificate' } : undefined;

  const endpoints: Endpoint[] = [
    {
      name: 'Entra',
      faultFor: (mode) => ({ server: 'entra', path: mode.fault.mode === 'tlsFailure' ? undefined : '/oauth2/v2.0/token$' }),
      drive: logIn,
    },
    {
      name: 'ARM',
      faultFor: (mode) => noToken('ARM answers hold no token')(mode) ?? { server: 'arm', path: mode.fault.mode === 'tlsFailure' ? undefined : '/registries$' },
      drive: (signal) => {
        const subscription: Subscription = { id: devSubscription, name: 'dev', tenantId: contoso };
        return listRegistries(() => credential(clients.owner), cloud, subscription, signal, { timeoutMs: armTimeoutMs });
      },
    },
    {
      name: 'challenge',
      faultFor: (mode) => noToken('the challenge (GET /v2/) holds no token')(mode) ?? { server: registryServer, path: mode.fault.mode === 'tlsFailure' ? undefined : '^/v2/$' },
      drive: logIn,
    },
    { name: 'exchange', faultFor: (mode) => ({ server: registryServer, path: mode.fault.mode === 'tlsFailure' ? undefined : '^/oauth2/exchange$' }), drive: logIn },
    {
      name: 'token',
      faultFor: (mode) => ({ server: registryServer, path: mode.fault.mode === 'tlsFailure' ? undefined : '^/oauth2/token$' }),
      drive: (signal) => tokenClient().accessToken({ loginServer: login }, ['repository:hello:pull'], { signal }),
    },
    {
      name: 'catalog',
      faultFor: (mode) => noToken('a catalog page holds no token')(mode) ?? (mode.fault.mode === 'tlsFailure' ? { notApplicable: 'TLS fails per connection: the token requests before the catalog meet it first (see the token row)' } : { server: registryServer, path: '^/(acr/v1|v2)/_catalog$' }),
      drive: (signal) => content().repositories({ pageSize: 10 }, signal),
    },
    {
      name: 'tags',
      faultFor: (mode) => noToken('a tags page holds no token')(mode) ?? (mode.fault.mode === 'tlsFailure' ? { notApplicable: 'TLS fails per connection: the token requests before the tags meet it first (see the token row)' } : { server: registryServer, path: '^/acr/v1/hello/_tags$' }),
      drive: (signal) => content().tags('hello', { pageSize: 10 }, signal),
    },
    {
      name: 'engine /auth',
      // On its token request: the engine takes a loopback registry for an insecure one, and when GET /v2/ fails
      // but for a refusal it tries plain HTTP there next, so it would report that attempt (EOF), not the fault.
      faultFor: (mode) => insecureLoopback(mode) ?? { server: registryServer, path: '^/oauth2/token$' },
      drive: (signal) => handOffToDocker({ serverAddress: login, username: nullGuid, secret: pullerRefresh }, { persist: true, engine: connection, environment: environment(), signal, checkTimeoutMs: engineTimeoutMs }),
    },
    {
      name: 'engine pull',
      faultFor: (mode) => insecureLoopback(mode) ?? { server: registryServer, path: readsBody(mode) ? '^/oauth2/token$' : '^/v2/hello/manifests/' },
      drive: async (signal) => {
        await run('docker', ['image', 'rm', '-f', `${login}/hello:v1`], { env: environment().env }).catch(() => undefined);
        return pullImage(connection, `${login}/hello:v1`, { username: nullGuid, password: pullerRefresh, serverAddress: login }, { signal, stallTimeoutMs: engineTimeoutMs });
      },
    },
  ];

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    engine = await startDockerEngine();
    cloud = emulatorCloud(emulator());
    trust = { cloud, armLoginServers: emulator().registries.map((registry) => registry.loginServer) };
    login = emulator().loginServer('contosoapps');
    registryServer = 'registry:contosoapps';
    connection = await connectDockerEngine({ env: { ...process.env, DOCKER_HOST: engine.host }, platform: process.platform });
    pullerRefresh = await refreshToken(login, await entraToken(emulator(), clients.puller, acrScope));
    secrets.push(pullerRefresh, clients.puller.secret, clients.owner.secret);
    dir = await mkdtemp(join(tmpdir(), 'acr-fault-matrix-'));
    dockerConfig = join(dir, 'docker-config');
    await run('mkdir', ['-p', dockerConfig]);
    // A config with an entry of the user's own, which a failed handoff must leave byte-for-byte as it is.
    configBefore = `${JSON.stringify({ auths: { 'other.example': { auth: Buffer.from('me:mine').toString('base64') } } }, null, '\t')}\n`;
    await writeFile(join(dockerConfig, 'config.json'), configBefore, { mode: 0o600 });
  });

  afterEach(async () => {
    await emulator().client.clearFaults();
  });

  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    printMatrix(matrix);
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // MATRIX_ROWS=Entra,ARM runs some rows only, when working on one endpoint.
  for (const endpoint of endpoints.filter((candidate) => !process.env.MATRIX_ROWS || process.env.MATRIX_ROWS.split(',').includes(candidate.name))) {
    it(`${endpoint.name}: each fault ends in the advice a user needs for it, secret-free, before the code's own bound, nothing written, no unhandled rejection`, async () => {
      const row = new Map<string, Cell>();
      matrix.set(endpoint.name, row);
      for (const mode of modes) {
        const target = endpoint.faultFor(mode);
        if ('notApplicable' in target) {
          row.set(mode.name, target);
          continue;
        }
        await emulator().client.clearFaults();
        await emulator().client.addFault({ ...mode.fault, ...target });
        const bound = AbortSignal.timeout(testBoundMs);
        const outcome = await endpoint.drive(bound).then(
          () => ({ ok: true as const }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        const cell = `${endpoint.name} x ${mode.name}`;
        assert.ok(!outcome.ok, `${cell}: succeeded although the fault was on`);
        assert.equal(bound.aborted, false, `${cell}: still running at the test's bound of ${testBoundMs} ms; the code's own bound did not end it`);
        const advice = adviceFor(outcome.error);
        row.set(mode.name, { kind: advice.kind });
        assert.equal(advice.kind, expectedKinds[endpoint.name][mode.name], `${cell}: ${advice.message}`);
        assert.ok(advice.message.trim().length > 0, `${cell}: empty message`);
        assert.doesNotMatch(advice.message, tokenShape, `${cell}: the message holds a token`);
        for (const secret of secrets) assert.ok(!advice.message.includes(secret), `${cell}: the message holds a secret`);
        // Compared without assert.equal, whose diff would print the credential written.
        assert.ok((await readFile(join(dockerConfig, 'config.json'), 'utf8')) === configBefore, `${cell}: the docker config changed`);
        assert.deepEqual(await readdir(dockerConfig), ['config.json'], `${cell}: something was written beside the docker config`);
      }
      // Rejections nobody handled surface a tick later.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled.map(String), [], 'unhandled rejections');
    });
  }
});

/** Rows are endpoints, columns modes; a cell is the advice kind, or `n/a` with its reason in a footnote. */
function printMatrix(matrix: Map<string, Map<string, Cell>>): void {
  const reasons: string[] = [];
  const header = ['endpoint', ...modes.map((mode) => mode.name)];
  const rows = [...matrix].map(([endpoint, row]) => [
    endpoint,
    ...modes.map((mode) => {
      const cell = row.get(mode.name);
      if (!cell) return '-';
      if ('kind' in cell) return cell.kind.replace(/^(acr|docker|azure|arm)\./, '');
      let index = reasons.indexOf(cell.notApplicable);
      if (index < 0) index = reasons.push(cell.notApplicable) - 1;
      return `n/a[${index + 1}]`;
    }),
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const text = [
    '',
    'Fault matrix (cells: the advice kind, without its acr./docker./azure./arm. prefix)',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    ...reasons.map((reason, index) => `[${index + 1}] n/a: ${reason}`),
    '',
  ].join('\n');
  console.log(text);
}
