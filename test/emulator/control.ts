import { Entra } from './entra';
import { FaultBook, FaultSpec } from './faults';
import { lifetimeProblem } from './fixture';
import { isObject, readJson, Reply, Route } from './http';
import { RequestLog } from './requestLog';
import { TelemetryCollector } from './telemetry';
import { World } from './world';

interface ControlContext {
  info: unknown;
  log: RequestLog;
  faults: FaultBook;
  entra: Entra;
  world: World;
  telemetry: TelemetryCollector;
}

/**
 * The control API on loopback, for tests and for people trying things out:
 * `GET /info`, `GET|DELETE /log`, `POST|DELETE /faults`, `DELETE /faults/<id>`,
 * `GET /device-codes`, `POST /device-codes/approve`, `POST /workload-tokens`, `POST /lifetimes`,
 * `POST /clock-skew` (`{"registry", "seconds"}`: that login server's clock runs ahead, or behind when negative),
 * `GET|DELETE /telemetry` (the Application Insights envelopes that arrived).
 */
export function controlRoute(context: ControlContext): Route {
  return async (exchange) => {
    const path = exchange.url.pathname;
    const method = exchange.req.method ?? 'GET';
    const body = method === 'POST' ? await readJson(exchange) : undefined;
    const bad = (message: string): Reply => ({ status: 400, json: { error: message } });
    if (path === '/info' && method === 'GET') return { status: 200, json: context.info };
    if (path === '/log' && method === 'GET') return { status: 200, json: context.log.list() };
    if (path === '/log' && method === 'DELETE') {
      context.log.clear();
      return { status: 204 };
    }
    if (path === '/telemetry' && method === 'GET') return { status: 200, json: context.telemetry.list() };
    if (path === '/telemetry' && method === 'DELETE') {
      context.telemetry.clear();
      return { status: 204 };
    }
    if (path === '/faults' && method === 'POST') {
      if (!isObject(body)) return bad('expected a JSON fault');
      let id: number;
      try {
        id = context.faults.add(body as unknown as FaultSpec);
      } catch (error) {
        return bad((error as Error).message);
      }
      // Adding a tlsFailure fault closes the server's open connections; a client that asks again at once could
      // still pick one before it has seen the close, so the answer waits a moment.
      if (body.mode === 'tlsFailure') await new Promise((resolve) => setTimeout(resolve, 100));
      return { status: 201, json: { id } };
    }
    if (path === '/faults' && method === 'DELETE') {
      context.faults.clear();
      return { status: 204 };
    }
    const faultMatch = /^\/faults\/(\d+)$/.exec(path);
    if (faultMatch && method === 'DELETE') return { status: context.faults.remove(Number(faultMatch[1])) ? 204 : 404 };
    if (path === '/device-codes' && method === 'GET') return { status: 200, json: { pending: context.entra.pendingDeviceCodes() } };
    if (path === '/device-codes/approve' && method === 'POST') {
      if (!isObject(body) || typeof body.userCode !== 'string' || typeof body.identity !== 'string') return bad('expected {"userCode", "identity"}');
      try {
        context.entra.approveDeviceCode(body.userCode, body.identity);
        return { status: 204 };
      } catch (error) {
        return bad((error as Error).message);
      }
    }
    if (path === '/workload-tokens' && method === 'POST') {
      if (!isObject(body) || typeof body.subject !== 'string') return bad('expected {"subject", "lifetimeSeconds"?}');
      const lifetime = typeof body.lifetimeSeconds === 'number' ? body.lifetimeSeconds : undefined;
      return { status: 200, json: { token: context.world.mintWorkloadToken(body.subject, lifetime) } };
    }
    if (path === '/lifetimes' && method === 'POST') {
      // Tokens issued from now on live this long (seconds); tokens already issued keep their exp.
      const problems = lifetimeProblems(body);
      if (problems.length > 0) return bad(problems.join('; '));
      Object.assign(context.world.lifetimes, body);
      return { status: 200, json: context.world.lifetimes };
    }
    if (path === '/clock-skew' && method === 'POST') {
      // Per registry, as faults are: tests diagnosing other registries at the same time keep a true clock.
      const registry = isObject(body) && typeof body.registry === 'string' ? context.world.registry(body.registry) : undefined;
      if (!registry || !isObject(body) || typeof body.seconds !== 'number' || !Number.isFinite(body.seconds)) return bad('expected {"registry": "<a registry of the fixture>", "seconds": <number>}');
      registry.clockSkewSeconds = body.seconds;
      return { status: 204 };
    }
    return { status: 404, json: { error: `no control route ${method} ${path}` } };
  };
}

function lifetimeProblems(body: unknown): string[] {
  if (!isObject(body)) return ['expected {"<lifetime>": seconds, ...}'];
  return Object.entries(body).flatMap(([key, seconds]) => {
    const problem = lifetimeProblem(key, seconds);
    return problem ? [`${key}: ${problem}`] : [];
  });
}
