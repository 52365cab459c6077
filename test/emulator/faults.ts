export const faultModes = ['status', 'hang', 'reset', 'malformedBody', 'expiredJwt', 'malformedJwt', 'slow', 'slowBody', 'tlsFailure'] as const;
export type FaultMode = (typeof faultModes)[number];

export interface FaultSpec {
  /** `entra`, `arm`, `imds`, `registry:<name>`; every server when absent. */
  server?: string;
  method?: string;
  /** A regular expression the request path must match; every path when absent. */
  path?: string;
  /** A regular expression the query string (without `?`) must match, e.g. `last=` for every page after the first. */
  query?: string;
  mode: FaultMode;
  /** For `status`. */
  status?: number;
  retryAfter?: number | string;
  /** For `status`: the JSON body; by default an error in the shape the server's clients expect (ACR's on registries). */
  body?: unknown;
  /** For `slow` (before the headers) and `slowBody` (after the headers and the first half of the body). */
  delayMs?: number;
  /** How many matching requests it hits before it is spent; unlimited when absent. */
  times?: number;
}

interface ActiveFault extends FaultSpec {
  id: number;
  pathPattern?: RegExp;
  queryPattern?: RegExp;
  remaining: number;
}

/**
 * The faults switched on at run time, matched per request; `tlsFailure` faults are matched per connection
 * instead (the TLS handshake comes before any request), by server alone.
 */
export class FaultBook {
  private readonly active: ActiveFault[] = [];
  private nextId = 1;
  private readonly addListeners = new Set<(spec: FaultSpec) => void>();

  /** Called after each fault is added; servers drop their connections so the next request meets a TLS fault. */
  onAdd(listener: (spec: FaultSpec) => void): void {
    this.addListeners.add(listener);
  }

  add(spec: FaultSpec): number {
    const problems = checkFault(spec);
    if (problems.length > 0) throw new Error(`Invalid fault: ${problems.join('; ')}`);
    const id = this.nextId++;
    this.active.push({
      ...spec,
      id,
      pathPattern: spec.path ? new RegExp(spec.path) : undefined,
      queryPattern: spec.query !== undefined ? new RegExp(spec.query) : undefined,
      remaining: spec.times ?? Infinity,
    });
    for (const listener of this.addListeners) listener(spec);
    return id;
  }

  remove(id: number): boolean {
    const index = this.active.findIndex((fault) => fault.id === id);
    if (index >= 0) this.active.splice(index, 1);
    return index >= 0;
  }

  clear(): void {
    this.active.length = 0;
  }

  /** The first fault matching this request, counted as used. */
  take(server: string, method: string, path: string, query = ''): FaultSpec | undefined {
    const fault = this.active.find(
      (candidate) =>
        candidate.mode !== 'tlsFailure' &&
        (candidate.server === undefined || candidate.server === server) &&
        (candidate.method === undefined || candidate.method.toUpperCase() === method.toUpperCase()) &&
        (candidate.pathPattern === undefined || candidate.pathPattern.test(path)) &&
        (candidate.queryPattern === undefined || candidate.queryPattern.test(query)),
    );
    return fault && this.use(fault);
  }

  /** Whether a `tlsFailure` fault for this server is on (without counting it as used). */
  refusesTls(server: string): boolean {
    return this.active.some((candidate) => candidate.mode === 'tlsFailure' && (candidate.server === undefined || candidate.server === server));
  }

  /** The first `tlsFailure` fault for a new connection to this server, counted as used. */
  takeAtConnection(server: string): FaultSpec | undefined {
    const fault = this.active.find((candidate) => candidate.mode === 'tlsFailure' && (candidate.server === undefined || candidate.server === server));
    return fault && this.use(fault);
  }

  private use(fault: ActiveFault): FaultSpec {
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.remove(fault.id);
    return fault;
  }
}

function checkFault(spec: FaultSpec): string[] {
  const problems: string[] = [];
  if (!(faultModes as readonly string[]).includes(spec.mode)) problems.push(`mode must be one of ${faultModes.join(', ')}`);
  if (spec.mode === 'status' && (typeof spec.status !== 'number' || spec.status < 100 || spec.status > 599)) problems.push('status needs a status code');
  for (const field of ['path', 'query'] as const) {
    const pattern = spec[field];
    if (pattern === undefined) continue;
    try {
      new RegExp(pattern);
    } catch {
      problems.push(`${field} must be a regular expression`);
    }
  }
  if (spec.mode === 'tlsFailure' && (spec.method !== undefined || spec.path !== undefined || spec.query !== undefined)) {
    problems.push('a tlsFailure fault hits whole connections: give it a server, not a method, path or query');
  }
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) problems.push('times must be a positive whole number');
  return problems;
}
