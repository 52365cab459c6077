/** A warning or error the log wrote: when, and its text (the log's lines hold no secret). */
export interface LoggedProblem {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly text: string;
}

/** How many of the last warnings and errors are kept, all registries together. */
const keptProblems = 100;
/** How many of them ACR: Diagnose Access shows for one registry. */
const problemsPerRegistry = 5;

/**
 * The last warnings and errors the log wrote, in memory, for ACR: Diagnose Access's check 11 (What ACR Access
 * did): a registry's last few are the ones among them that name its login server.
 */
export class RecentProblems {
  private readonly problems: LoggedProblem[] = [];

  record(text: string, at = Date.now()): void {
    this.problems.push({ at, text });
    if (this.problems.length > keptProblems) this.problems.shift();
  }

  /** The last few that name this login server as a whole (`host:4430` is not `host:44301`), oldest first. */
  about(loginServer: string): LoggedProblem[] {
    const escaped = loginServer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const named = new RegExp(`(?<![\\w.-])${escaped}(?![\\w-]|[.:]\\w)`, 'i');
    return this.problems.filter(({ text }) => named.test(text)).slice(-problemsPerRegistry);
  }
}
