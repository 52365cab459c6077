import type { TelemetryReporter } from '@vscode/extension-telemetry';
import { createHash, randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';
import type { DockerLogin } from './auth/signInState';

/**
 * Where usage data goes: an Application Insights connection string. Set it to send to your own resource
 * (a sovereign cloud's ingestion endpoint, say); when neither it nor a built-in one is there, nothing is sent.
 */
export const connectionStringVariable = 'ACR_ACCESS_TELEMETRY_CONNECTION_STRING';
/** No Application Insights resource has been set up for ACR Access yet. */
const builtInConnectionString = '';
const saltKey = 'acrAccess.telemetrySalt';

export type Outcome = 'succeeded' | 'failed' | 'cancelled';
export type SizeBucket = '0' | '1-10' | '11-100' | '101-1000' | 'more';

/** A count as the coarse bucket telemetry reports, so no registry is recognizable by its exact size. */
export function sizeBucket(count: number): SizeBucket {
  if (count <= 0) return '0';
  if (count <= 10) return '1-10';
  if (count <= 100) return '11-100';
  if (count <= 1000) return '101-1000';
  return 'more';
}

type Sender = Pick<TelemetryReporter, 'sendTelemetryEvent' | 'sendTelemetryErrorEvent' | 'dispose'>;

/**
 * The reporter, with the Application Insights SDK it brings, loaded when the first event is sent rather than at
 * activation (docs/architecture.md, "What loads when"). Usage data must never break anything, so a reporter
 * that cannot be loaded just sends nothing.
 */
function reporterOnFirstEvent(connectionString: string): Sender {
  let reporter: Promise<Sender | undefined> | undefined;
  const loaded = () =>
    (reporter ??= import('@vscode/extension-telemetry').then(
      ({ TelemetryReporter }) => new TelemetryReporter(connectionString),
      () => undefined,
    ));
  return {
    sendTelemetryEvent: (...event) => void loaded().then((sender) => sender?.sendTelemetryEvent(...event)),
    sendTelemetryErrorEvent: (...event) => void loaded().then((sender) => sender?.sendTelemetryErrorEvent(...event)),
    dispose: () => reporter?.then((sender) => sender?.dispose()) ?? Promise.resolve(),
  };
}

/**
 * The extension's usage data: sign-ins, command outcomes, renewals and tree sizes. Registry names, login
 * servers, account and tenant ids only ever leave as salted hashes (the salt is random per install and stays
 * in this machine's global state), and no token or message text is sent. The reporter sends nothing when VS
 * Code's telemetry level says not to (only failures at the `error` level).
 */
export class Telemetry {
  private signInSource: string | undefined;

  private constructor(
    private readonly sender: Sender | undefined,
    private readonly salt: string,
  ) {}

  static create(globalState: vscode.Memento, environment: NodeJS.ProcessEnv = process.env): Telemetry {
    const connectionString = environment[connectionStringVariable]?.trim() || builtInConnectionString;
    let salt = globalState.get<string>(saltKey);
    if (!salt) {
      salt = randomBytes(32).toString('hex');
      void globalState.update(saltKey, salt);
    }
    return new Telemetry(connectionString ? reporterOnFirstEvent(connectionString) : undefined, salt);
  }

  /** An identifier (registry, login server, tenant, account) as it may be sent: the same per install, unreadable elsewhere. */
  hash(identifier: string): string {
    return createHash('sha256').update(`${this.salt}\n${identifier.toLowerCase()}`).digest('hex').slice(0, 32);
  }

  /** Which way the user chose to sign in, reported with the sign-in's outcome when the command ends. */
  noteSignInSource(source: string): void {
    this.signInSource = source;
  }

  commandFinished(command: string, outcome: Outcome, durationMs: number, errorKind?: string): void {
    const shortName = command.replace(/^acrAccess\./, '');
    this.send(outcome, 'command', { command: shortName, outcome, errorKind }, { durationMs });
    if (shortName === 'signIn') {
      this.send(outcome, 'signIn', { source: this.signInSource ?? 'none', outcome, errorKind }, { durationMs });
      this.signInSource = undefined;
    }
  }

  /** One page of a registry's repositories or a repository's tags arrived in the tree. */
  treePageLoaded(listing: 'repositories' | 'tags', loginServer: string, count: number): void {
    this.send('succeeded', 'treePage', { listing, size: sizeBucket(count), registry: this.hash(loginServer) }, {});
  }

  /**
   * A registry's credential was renewed (or its password checked) on the schedule or on request; a failure
   * is `needsUser` when only the user can fix it, and is retried otherwise.
   */
  renewalFinished(login: Pick<DockerLogin, 'loginServer' | 'via'>, outcome: 'renewed' | 'retrying' | 'needsUser', durationMs: number, errorKind?: string): void {
    this.send(outcome === 'renewed' ? 'succeeded' : 'failed', 'renewal', { registry: this.hash(login.loginServer), via: login.via, outcome, errorKind }, { durationMs });
  }

  dispose(): Promise<unknown> {
    return this.sender?.dispose() ?? Promise.resolve();
  }

  private send(outcome: Outcome, event: string, properties: Record<string, string | undefined>, measurements: Record<string, number>): void {
    const defined = Object.fromEntries(Object.entries(properties).filter((entry): entry is [string, string] => entry[1] !== undefined));
    if (outcome === 'failed') this.sender?.sendTelemetryErrorEvent(event, defined, measurements);
    else this.sender?.sendTelemetryEvent(event, defined, measurements);
  }
}
