import { AcrError } from '../acr/errors';
import type { DockerLogin } from '../auth/signInState';
import { adviceFor, errorMessage, FailureAdvice } from '../failures';

export interface RefreshSettings {
  /** Auto-refresh on or off; when off, credentials are renewed only when the user asks. */
  readonly enabled: boolean;
  /** How long before `exp` an Entra login's credential is renewed. */
  readonly leadTimeMs: number;
  /** Whether this registry is kept fresh (the registries setting). */
  isTracked(login: DockerLogin): boolean;
}

/** How a registry's credential is doing. */
export type Health =
  | { readonly kind: 'ok' }
  | { readonly kind: 'renewing' }
  /** Failed for a reason that may pass (network, throttling, outage); tried again at `retryAt`. */
  | { readonly kind: 'retrying'; readonly error: unknown; readonly attempt: number; readonly retryAt: number }
  /** Failed for a reason only the user can fix (signed out, role removed, password changed); not retried. */
  | { readonly kind: 'needsUser'; readonly error: unknown };

export interface RegistryStatus {
  readonly login: DockerLogin;
  readonly health: Health;
  /** When its next renewal (or password check) runs; undefined when it is not kept fresh. */
  readonly dueAt?: number;
}

/** What one renewal of a registry came to, as ACR: Renew Docker Credentials Now says it. */
export type RenewalOutcome =
  /** This window renewed it (an Entra login's new credential) or checked its password: `login` as it now is. */
  | { readonly kind: 'renewed'; readonly loginServer: string; readonly login: DockerLogin }
  /** Another window had renewed it already, and this one took that renewal up: `login` as it now is. */
  | { readonly kind: 'renewedElsewhere'; readonly loginServer: string; readonly login: DockerLogin }
  /** Another window holds its renewal lock (renewing it now); this one looks again later. */
  | { readonly kind: 'lockedElsewhere'; readonly loginServer: string }
  /** Nothing to renew: not a login this window keeps, or logged out meanwhile. */
  | { readonly kind: 'nothingToDo'; readonly loginServer: string }
  | { readonly kind: 'failed'; readonly loginServer: string; readonly error: unknown; readonly advice: FailureAdvice };

/** What the last renewal (or password check) of a registry left for every window to read. Nothing secret. */
export interface RenewalRecord {
  /** The login as it stood after the renewal. */
  readonly login: DockerLogin;
  /** When the renewal ended (wall-clock ms). */
  readonly at: number;
}

/**
 * Keeps two VS Code windows (two processes, each with its own copy of the remembered logins) from renewing
 * the same registry: a per-registry lock, and the record of the last renewal, read and written under it.
 */
export interface RefreshLock {
  /** Resolves with a release function, or undefined when another window holds the lock. */
  acquire(loginServer: string): Promise<(() => Promise<void>) | undefined>;
  /** The last renewal any window recorded for this registry; read while holding its lock. */
  lastRenewal(loginServer: string): Promise<RenewalRecord | undefined>;
  /** Records a renewal for the windows that take the lock next; written while holding it. */
  recordRenewal(record: RenewalRecord): Promise<void>;
}

export interface SchedulerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface RefreshSchedulerOptions {
  /** The Docker logins to keep working, as remembered (read again at each `sync`). */
  readonly logins: () => readonly DockerLogin[];
  /** Renews an Entra login (new ACR refresh token handed to Docker) or checks a password login; resolves with what is now recorded. */
  readonly renew: (login: DockerLogin, signal: AbortSignal) => Promise<DockerLogin>;
  /** Takes up a renewal another window made (found in the lock's record): remembers it in this window as well. */
  readonly adopt?: (login: DockerLogin, renewedElsewhere: DockerLogin) => Promise<void>;
  readonly settings: () => RefreshSettings;
  readonly log: SchedulerLog;
  readonly lock?: RefreshLock;
  /** Wall-clock time in ms; tests move it to act out a computer waking from sleep. */
  readonly now?: () => number;
  /** In [0, 1); spreads renewals and retries. */
  readonly random?: () => number;
  /**
   * The longest one timer waits while anything is tracked. Timers do not count time asleep, so each wake-up
   * compares the wall clock with the schedule: a renewal that fell due during sleep runs at the next one.
   */
  readonly heartbeatMs?: number;
}

const passwordCheckIntervalMs = 60 * 60_000;
const maxJitterMs = 2 * 60_000;
const firstRetryMs = 5_000;
const maxRetryMs = 5 * 60_000;
/** When another window holds the lock: look again after this long (its renewal will have been recorded by then). */
const lockedRetryMs = 30_000;
/** A timer this much later than planned means the computer slept (or the clock was set). */
const clockJumpMs = 10_000;
/**
 * Renewals under way at once. On schedule they are spread out and one or two run at a time; after sleep every
 * overdue registry is due together, and this keeps hundreds from reaching Entra and the registries at once
 * while a slow registry still does not hold up the others.
 */
const maxRenewalsAtOnce = 10;

interface Entry {
  login: DockerLogin;
  health: Health;
  /** In [0, 1): where in the jitter window this credential's renewal falls; drawn again for each new expiry. */
  jitter: number;
  /** Password logins: when the password was last checked. */
  checkedAt?: number;
  /** Not before this time: another window was renewing. */
  notBefore?: number;
  /** The renewal under way, which a second request joins rather than reporting done at once. */
  renewal?: Promise<RenewalOutcome>;
  inFlight?: AbortController;
}

/**
 * Keeps every tracked Docker login working: an Entra login's ACR refresh token is renewed a lead time before
 * its `exp` (spread by jitter), failures are retried with bounded exponential backoff and `Retry-After`, and
 * password logins are checked every hour so a password changed elsewhere is noticed. One timer at most, and
 * none when nothing is tracked.
 */
export class RefreshScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly heartbeatMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The Entra renewal that others starting meanwhile wait for, so that nobody signed in costs one request, not one per registry. */
  private leadingEntraRenewal: Promise<RenewalOutcome> | undefined;
  private plannedTickAt = 0;
  private disposed = false;
  private renewalsRunning = 0;
  /** Renewals waiting for one under way to end; each is handed the slot it frees. */
  private readonly waitingForSlot: (() => void)[] = [];

  constructor(private readonly options: RefreshSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
  }

  /** Called whenever a registry's status changes. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  statuses(): RegistryStatus[] {
    const settings = this.options.settings();
    return [...this.entries.values()].map((entry) => ({ login: entry.login, health: entry.health, dueAt: this.dueAt(entry, settings) }));
  }

  /**
   * Reads the remembered logins and settings again: new logins are tracked, removed ones dropped (a renewal
   * under way is cancelled), and one renewed elsewhere (another window) or logged in again is taken as it now is.
   */
  sync(): void {
    const logins = this.options.logins();
    for (const login of logins) {
      const entry = this.entries.get(login.loginServer);
      if (!entry) {
        this.entries.set(login.loginServer, { login, health: { kind: 'ok' }, jitter: this.random() });
      } else if (entry.login.expiresOn !== login.expiresOn || entry.login.loggedInAt !== login.loggedInAt) {
        // A renewal under way keeps the login it started from: under the lock, another window's renewal then shows
        // in its record as newer and is taken up, where a login already swapped for it would be renewed again.
        if (entry.health.kind !== 'renewing') Object.assign(entry, { login, health: { kind: 'ok' }, jitter: this.random(), notBefore: undefined });
      } else {
        entry.login = login;
      }
    }
    const remembered = new Set(logins.map((login) => login.loginServer));
    for (const [loginServer, entry] of this.entries) {
      if (remembered.has(loginServer)) continue;
      entry.inFlight?.abort();
      this.entries.delete(loginServer);
    }
    this.schedule();
    this.changed();
  }

  /**
   * Renews these registries now (all when none are named), whatever their schedule and the settings say, and
   * resolves with what came of each, in the order named.
   */
  renewNow(loginServers?: readonly string[]): Promise<RenewalOutcome[]> {
    const named = loginServers ?? [...this.entries.keys()];
    return Promise.all(
      named.map((loginServer) => {
        const entry = this.entries.get(loginServer);
        return entry ? this.renew(entry) : Promise.resolve<RenewalOutcome>({ kind: 'nothingToDo', loginServer });
      }),
    );
  }

  /** Tries again every registry that was waiting for the user (who may just have signed in). */
  async retryWaitingForUser(): Promise<void> {
    const waiting = [...this.entries.values()].filter((entry) => entry.health.kind === 'needsUser');
    await Promise.all(waiting.map((entry) => this.renew(entry)));
  }

  /** Renews whatever is due by the wall clock; runs on every timer and when the window gets focus. */
  checkDue(): void {
    const now = this.now();
    const settings = this.options.settings();
    for (const entry of this.entries.values()) {
      const due = this.dueAt(entry, settings);
      if (due !== undefined && due <= now) void this.renew(entry);
    }
    this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const entry of this.entries.values()) entry.inFlight?.abort();
    this.entries.clear();
    this.listeners.clear();
  }

  private dueAt(entry: Entry, settings: RefreshSettings): number | undefined {
    if (!settings.enabled || !settings.isTracked(entry.login)) return undefined;
    if (entry.health.kind === 'renewing' || entry.health.kind === 'needsUser') return undefined;
    let due: number | undefined;
    if (entry.health.kind === 'retrying') due = entry.health.retryAt;
    else if (entry.login.via !== 'entra') due = entry.checkedAt === undefined ? this.now() : entry.checkedAt + passwordCheckIntervalMs;
    else if (entry.login.expiresOn !== undefined) {
      const jitterWindow = Math.min(settings.leadTimeMs / 2, maxJitterMs);
      due = entry.login.expiresOn - settings.leadTimeMs - entry.jitter * jitterWindow;
    }
    return due === undefined ? undefined : Math.max(due, entry.notBefore ?? 0);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.disposed) return;
    const settings = this.options.settings();
    const dues = [...this.entries.values()].map((entry) => this.dueAt(entry, settings)).filter((due) => due !== undefined);
    if (dues.length === 0) return;
    const delay = Math.min(Math.max(Math.min(...dues) - this.now(), 0), this.heartbeatMs);
    this.plannedTickAt = this.now() + delay;
    this.timer = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    const late = this.now() - this.plannedTickAt;
    if (late > clockJumpMs) this.options.log.info(`The clock moved ${Math.round(late / 1000)} s further than the timer waited (the computer slept?); checking credentials now`);
    this.checkDue();
  }

  private renew(entry: Entry): Promise<RenewalOutcome> {
    if (entry.renewal) return entry.renewal;
    const leading = entry.login.via === 'entra' ? this.leadingEntraRenewal : undefined;
    const renewal = this.runRenewal(entry, leading).finally(() => {
      entry.renewal = undefined;
      if (this.leadingEntraRenewal === renewal) this.leadingEntraRenewal = undefined;
    });
    entry.renewal = renewal;
    if (entry.login.via === 'entra' && !leading) this.leadingEntraRenewal = renewal;
    return renewal;
  }

  private async runRenewal(entry: Entry, leading: Promise<RenewalOutcome> | undefined): Promise<RenewalOutcome> {
    const previous = entry.health;
    const { loginServer } = entry.login;
    const nothingToDo: RenewalOutcome = { kind: 'nothingToDo', loginServer };
    entry.health = { kind: 'renewing' };
    this.changed();
    const led = await leading;
    if (this.entries.get(loginServer) !== entry) return nothingToDo;
    if (led?.kind === 'failed' && isNotSignedIn(led.error)) {
      entry.health = { kind: 'needsUser', error: led.error };
      this.schedule();
      this.changed();
      return { ...led, loginServer };
    }
    const freeSlot = await this.takeSlot();
    try {
      if (this.entries.get(loginServer) !== entry) return nothingToDo;
      return await this.renewHoldingSlot(entry, previous);
    } finally {
      freeSlot();
    }
  }

  private async renewHoldingSlot(entry: Entry, previous: Health): Promise<RenewalOutcome> {
    const { loginServer } = entry.login;
    const nothingToDo: RenewalOutcome = { kind: 'nothingToDo', loginServer };
    const release = await this.acquireLock(loginServer);
    if (!release) {
      this.options.log.info(`Another window is renewing ${loginServer}; looking again in ${lockedRetryMs / 1000} s`);
      entry.health = previous;
      entry.notBefore = this.now() + lockedRetryMs;
      this.schedule();
      this.changed();
      return { kind: 'lockedElsewhere', loginServer };
    }
    const controller = new AbortController();
    entry.inFlight = controller;
    try {
      if (await this.renewedElsewhere(entry)) return { kind: 'renewedElsewhere', loginServer, login: entry.login };
      const renewed = await this.options.renew(entry.login, controller.signal);
      if (this.entries.get(loginServer) !== entry) return nothingToDo;
      Object.assign(entry, { login: renewed, health: { kind: 'ok' }, jitter: this.random(), checkedAt: this.now(), notBefore: undefined });
      await this.recordRenewal({ login: renewed, at: this.now() });
      this.options.log.info(
        renewed.via === 'entra' && renewed.expiresOn !== undefined
          ? `Renewed Docker's credential for ${loginServer}; valid until ${new Date(renewed.expiresOn).toISOString()}`
          : `Docker's password for ${loginServer} still works`,
      );
      return { kind: 'renewed', loginServer, login: renewed };
    } catch (error) {
      if (this.entries.get(loginServer) !== entry || controller.signal.aborted) return nothingToDo;
      const advice = adviceFor(error);
      entry.health = this.failed(loginServer, previous, error, advice);
      if (isNotSignedIn(error)) this.holdOtherEntraLogins(entry, error);
      return { kind: 'failed', loginServer, error, advice };
    } finally {
      entry.inFlight = undefined;
      await release().catch((error: unknown) => this.options.log.warn(`Could not release the renewal lock of ${loginServer}: ${errorMessage(error)}`));
      this.schedule();
      this.changed();
    }
  }

  /**
   * Whether, by the record read under the lock, another window has renewed this login since this window last
   * looked and it is no longer due: its memory of the logins is its own (VS Code does not share a Memento
   * between windows live), so without this the second window to take the lock would renew again. A newer
   * record is taken up either way, so that a renewal still due starts from it.
   */
  private async renewedElsewhere(entry: Entry): Promise<boolean> {
    const { login } = entry;
    const last = await this.lastRenewal(login.loginServer);
    if (!last || !isNewer(last, entry)) return false;
    // Decided from the record alone: what this window remembers may be older still (another window's write).
    const jitter = last.login.expiresOn === login.expiresOn ? entry.jitter : this.random();
    Object.assign(entry, { login: last.login, health: { kind: 'ok' }, jitter, checkedAt: last.at, notBefore: undefined });
    const due = this.dueAt(entry, this.options.settings());
    entry.health = { kind: 'renewing' };
    if (due !== undefined && due <= this.now()) return false;
    await this.options.adopt?.(login, last.login);
    entry.health = { kind: 'ok' };
    this.options.log.info(`Another window renewed ${login.loginServer} already${last.login.expiresOn === undefined ? '' : `; valid until ${new Date(last.login.expiresOn).toISOString()}`}`);
    return true;
  }

  private async lastRenewal(loginServer: string): Promise<RenewalRecord | undefined> {
    try {
      return await this.options.lock?.lastRenewal(loginServer);
    } catch (error) {
      this.options.log.warn(`Could not read the last renewal of ${loginServer}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async recordRenewal(record: RenewalRecord): Promise<void> {
    try {
      await this.options.lock?.recordRenewal(record);
    } catch (error) {
      this.options.log.warn(`Could not record the renewal of ${record.login.loginServer} for other windows: ${errorMessage(error)}`);
    }
  }

  /** Resolves, once fewer than `maxRenewalsAtOnce` renewals are under way, with the function that frees the slot. */
  private async takeSlot(): Promise<() => void> {
    if (this.renewalsRunning < maxRenewalsAtOnce) this.renewalsRunning += 1;
    else await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
    return () => {
      const next = this.waitingForSlot.shift();
      if (next) next();
      else this.renewalsRunning -= 1;
    };
  }

  /** The lock, or a no-op one when there is none or its storage fails (no keyring): renewing twice beats not renewing. */
  private async acquireLock(loginServer: string): Promise<(() => Promise<void>) | undefined> {
    const none = () => Promise.resolve();
    if (!this.options.lock) return none;
    try {
      return await this.options.lock.acquire(loginServer);
    } catch (error) {
      this.options.log.warn(`Could not take the renewal lock of ${loginServer}; renewing without it: ${errorMessage(error)}`);
      return none;
    }
  }

  private failed(loginServer: string, previous: Health, error: unknown, advice: FailureAdvice): Health {
    if (advice.needsUser) {
      this.options.log.warn(`Could not renew ${loginServer}, and it will not be retried until you act (${advice.kind}): ${advice.message}`);
      return { kind: 'needsUser', error };
    }
    const attempt = previous.kind === 'retrying' ? previous.attempt + 1 : 1;
    const backoff = Math.min(firstRetryMs * 2 ** (attempt - 1), maxRetryMs) * (0.8 + 0.4 * this.random());
    const delay = Math.max(backoff, (advice.retryAfterSeconds ?? 0) * 1000);
    this.options.log.warn(`Could not renew ${loginServer} (attempt ${attempt}, ${advice.kind}); trying again in ${Math.round(delay / 1000)} s: ${advice.message}`);
    return { kind: 'retrying', error, attempt, retryAt: this.now() + delay };
  }

  /** Without a signed-in account every Entra login would fail the same way: they all wait for the user now (those renewing meanwhile wait for this one). */
  private holdOtherEntraLogins(failed: Entry, error: AcrError): void {
    for (const entry of this.entries.values()) {
      if (entry === failed || entry.login.via !== 'entra' || entry.health.kind === 'renewing') continue;
      entry.health = { kind: 'needsUser', error };
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * Whether a record says more than a window knows of a login: a later login to the registry, a credential that
 * expires later, or a password checked more recently.
 */
function isNewer(record: RenewalRecord, entry: Entry): boolean {
  const { login } = record;
  if (login.loggedInAt !== entry.login.loggedInAt) return login.loggedInAt > entry.login.loggedInAt;
  if (login.via === 'entra') return (login.expiresOn ?? 0) > (entry.login.expiresOn ?? 0);
  return record.at > (entry.checkedAt ?? 0);
}

function isNotSignedIn(error: unknown): error is AcrError {
  return error instanceof AcrError && error.kind === 'notSignedIn';
}
