export interface LogEntry {
  seq: number;
  time: string;
  server: string;
  host: string;
  method: string;
  /** The path without the query string, which can carry secrets in other services. */
  path: string;
  /** Undefined while pending, or when the connection ended without a response (hang, reset). */
  status?: number;
  /** Who the emulator recognised as the caller (identity name, `admin`, `token:<name>`). */
  caller?: string;
  /** Every Entra access token (by its jti) that reached this host with the request. */
  entraTokenJtis?: string[];
  fault?: string;
  /** Requests the emulator made to the registry process to answer this one (a proxied request counts one). */
  backendRequests?: number;
  /** Files of the registry's storage the emulator read to answer this one (building an index, once). */
  storageReads?: number;
}

/** Every request every emulated host received, in order; never holds a secret. */
export class RequestLog {
  private readonly entries: LogEntry[] = [];
  private seq = 0;

  start(fields: Pick<LogEntry, 'server' | 'host' | 'method' | 'path'>): LogEntry {
    const entry: LogEntry = { seq: ++this.seq, time: new Date().toISOString(), ...fields };
    this.entries.push(entry);
    if (this.entries.length > 50_000) this.entries.shift();
    return entry;
  }

  finish(entry: LogEntry, status: number | undefined): void {
    entry.status = status;
  }

  noteEntraToken(entry: LogEntry, jti: string): void {
    entry.entraTokenJtis = [...(entry.entraTokenJtis ?? []), jti];
  }

  list(): LogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
  }
}
