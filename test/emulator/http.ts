import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { FaultBook } from './faults';
import { RequestLog, LogEntry } from './requestLog';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The log entry of this request; routes add what they learn (the caller, an Entra token's jti). */
  readonly entry: LogEntry;
  body(): Promise<Buffer>;
  form(): Promise<URLSearchParams>;
}

export interface Reply {
  status: number;
  headers?: Record<string, string | string[]>;
  json?: unknown;
  text?: string;
}

/** A route answers with a Reply, or with undefined when it has written the response itself (streaming). */
export type Route = (exchange: Exchange) => Promise<Reply | undefined>;

export interface ServerOptions {
  /** The name faults and the log use: `entra`, `arm`, `imds`, `registry:<name>`. */
  readonly name: string;
  readonly tls?: { key: string; cert: string };
  /** For the `tlsFailure` fault: a certificate for the same names that no client trusts (self-signed), made on first use. */
  readonly untrustedTls?: () => { key: string; cert: string };
  readonly route: Route;
  readonly log: RequestLog;
  readonly faults: FaultBook;
  /** Re-signs a token with changed claims, for the expired-JWT fault. */
  readonly resign?: (token: string, claims: Record<string, unknown>) => string;
  /** Notes the jti of an Entra token that reached this server (from the Authorization header). */
  readonly inspectToken?: (token: string, entry: LogEntry) => void;
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Creates the server and listens on a free loopback port right away, so the port is known early. */
export async function listen(options: ServerOptions, host = '127.0.0.1'): Promise<RunningServer> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalError', message: (error as Error).message } }));
      } else {
        res.destroy();
      }
    });
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  if (options.tls && options.untrustedTls) refuseTlsOnFault(server as HttpsServer, options, options.tls, options.untrustedTls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The `tlsFailure` fault: a new connection it hits gets the untrusted certificate, so the client's TLS check
 * fails before any request. Keep-alive connections opened earlier would dodge it, so they are all closed
 * when such a fault is added.
 */
function refuseTlsOnFault(server: HttpsServer, options: ServerOptions, trusted: { key: string; cert: string }, untrusted: () => { key: string; cert: string }): void {
  let refusing = false;
  // Runs before the TLS server's own listener, which reads the secure context set here.
  server.prependListener('connection', (socket: Socket) => {
    const fault = options.faults.takeAtConnection(options.name);
    if (fault) {
      const entry = options.log.start({ server: options.name, host: `${socket.localAddress ?? ''}:${socket.localPort ?? ''}`, method: 'TLS', path: '' });
      entry.fault = fault.mode;
    }
    if (Boolean(fault) !== refusing) {
      refusing = Boolean(fault);
      server.setSecureContext(refusing ? untrusted() : trusted);
    }
  });
  options.faults.onAdd((spec) => {
    if (spec.mode === 'tlsFailure' && (spec.server === undefined || spec.server === options.name)) server.closeAllConnections();
  });
}

async function handle(options: ServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // While a tlsFailure fault is on, a new connection cannot carry a request (its handshake fails), so this one
  // was open before the fault and escaped the closing of connections when it was added: it is cut off too.
  if (options.untrustedTls && options.faults.refusesTls(options.name)) {
    req.socket.destroy();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const entry = options.log.start({ server: options.name, host: req.headers.host ?? '', method: req.method ?? 'GET', path: url.pathname });
  res.on('close', () => options.log.finish(entry, res.headersSent ? res.statusCode : undefined));
  const authorization = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (bearer) options.inspectToken?.(bearer, entry);

  let bodyPromise: Promise<Buffer> | undefined;
  const body = (): Promise<Buffer> => (bodyPromise ??= readBody(req));
  const exchange: Exchange = { req, res, url, entry, body, form: async () => new URLSearchParams((await body()).toString()) };

  const fault = options.faults.take(options.name, req.method ?? 'GET', url.pathname, url.search.slice(1));
  if (fault) {
    entry.fault = fault.mode;
    switch (fault.mode) {
      case 'hang':
        // Never answers; the client gives up or the emulator stops.
        return;
      case 'reset':
        resetConnection(req.socket);
        return;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 5000));
        break;
      case 'slowBody':
        holdBackBody(res, fault.delayMs ?? 5000);
        break;
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        send(res, { status: fault.status ?? 500, headers, json: fault.body ?? faultBody(options.name, fault.status ?? 500) });
        return;
      }
      case 'malformedBody':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"access_token": "ey');
        return;
      default:
        break;
    }
  }

  const reply = await options.route(exchange);
  if (!reply) return;
  if (fault && (fault.mode === 'expiredJwt' || fault.mode === 'malformedJwt') && isObject(reply.json)) {
    reply.json = spoilTokens(reply.json, fault.mode, options.resign);
  }
  send(res, reply);
}

/**
 * The `slowBody` fault: the headers and the first half of the first chunk go out at once, the rest of the body
 * `delayMs` later (or never, if the client has gone by then). Works for routes that stream, too.
 */
function holdBackBody(res: ServerResponse, delayMs: number): void {
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as () => ServerResponse;
  let queue = Promise.resolve();
  let first = true;
  const later = (step: () => void): void => {
    queue = queue.then(() => {
      if (!res.destroyed) step();
    });
  };
  const hold = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  const enqueue = (chunk: unknown, encoding?: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    if (!first) {
      later(() => write(bytes));
      return;
    }
    first = false;
    const half = Math.ceil(bytes.length / 2);
    later(() => write(bytes.subarray(0, half)));
    queue = queue.then(hold);
    later(() => write(bytes.subarray(half)));
  };
  res.write = ((chunk: unknown, encoding?: unknown) => {
    enqueue(chunk, encoding);
    return true;
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    enqueue(chunk, encoding);
    later(() => end());
    return res;
  }) as ServerResponse['end'];
}

/**
 * Ends the connection with a TCP reset. `resetAndDestroy()` throws on a TLS socket ("This handle type cannot
 * be sent"), so on HTTPS servers the reset goes to the TCP socket under it (`_parent`, which Node sets for
 * connections a TLS server accepted).
 */
function resetConnection(socket: Socket): void {
  const tcpSocket = (socket as Socket & { _parent?: Socket | null })._parent;
  (tcpSocket ?? socket).resetAndDestroy();
}

const acrErrorCodes: Record<number, string> = { 400: 'UNSUPPORTED', 401: 'UNAUTHORIZED', 403: 'DENIED', 404: 'NOT_FOUND', 405: 'UNSUPPORTED', 429: 'TOOMANYREQUESTS' };

/**
 * Entra's `error` for an injected status (OAuth 2.0's codes, RFC 6749 sections 4.1.2.1 and 5.2). MSAL keeps only
 * the body of a failed token request, not its status, so a client tells an outage from a refusal by this code.
 */
function entraErrorCode(status: number): string {
  if (status === 401) return 'invalid_client';
  if (status === 403) return 'unauthorized_client';
  if (status === 500) return 'server_error';
  if (status === 429 || status >= 500) return 'temporarily_unavailable';
  return 'invalid_request';
}

/** An injected status's body: ACR's error shape on login servers, Entra's OAuth error on Entra, ARM's shape elsewhere. */
function faultBody(server: string, status: number): unknown {
  const message = `status ${status} injected by a fault`;
  if (server.startsWith('registry:')) return { errors: [{ code: acrErrorCodes[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN'), message, detail: null }] };
  if (server === 'entra') {
    const traceId = randomUUID();
    return { error: entraErrorCode(status), error_description: `${message}. Trace ID: ${traceId}`, timestamp: new Date().toISOString(), trace_id: traceId, correlation_id: randomUUID() };
  }
  return { error: { code: 'EmulatedFault', message } };
}

const tokenFields = ['access_token', 'refresh_token'];

function spoilTokens(json: Record<string, unknown>, mode: 'expiredJwt' | 'malformedJwt', resign: ServerOptions['resign']): Record<string, unknown> {
  const spoiled = { ...json };
  for (const field of tokenFields) {
    const token = spoiled[field];
    if (typeof token !== 'string') continue;
    if (mode === 'malformedJwt') {
      spoiled[field] = 'this-is-not.a-jwt';
    } else if (resign) {
      const now = Math.floor(Date.now() / 1000);
      spoiled[field] = resign(token, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    }
  }
  return spoiled;
}

export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | string[]> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.json !== undefined) {
    payload = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else if (reply.text !== undefined) {
    payload = reply.text;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readJson(exchange: Exchange): Promise<unknown> {
  const text = (await exchange.body()).toString();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Username and password of an HTTP Basic Authorization header. */
export function basicCredentials(req: IncomingMessage): { username: string; password: string } | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
