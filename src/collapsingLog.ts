import type * as vscode from 'vscode';
import { RecentProblems } from './recentProblems';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const levels: ReadonlySet<string> = new Set<Level>(['trace', 'debug', 'info', 'warn', 'error']);

/** The extension's log: a log channel that also keeps its last warnings and errors, for ACR: Diagnose Access. */
export interface ExtensionLog extends vscode.LogOutputChannel {
  readonly recentProblems: RecentProblems;
}

/**
 * The log, where a line that comes again right after itself is not written again but counted: the count is
 * written ("The line above came 3 more times") before the next different line. Events that VS Code fires
 * several times for one change (an account change, say) then take one line. Warnings and errors written are
 * kept in `recentProblems` too.
 */
export function collapsingLog(channel: vscode.LogOutputChannel): ExtensionLog {
  const recentProblems = new RecentProblems();
  let last: { level: Level; text: string } | undefined;
  let repeats = 0;
  const write = (level: Level, message: string | Error, ...args: unknown[]): void => {
    const text = [message instanceof Error ? message.message : message, ...args.map(String)].join(' ');
    if (last?.level === level && last.text === text) {
      repeats++;
      return;
    }
    if (repeats > 0) channel[last!.level](repeats === 1 ? 'The line above came once more' : `The line above came ${repeats} more times`);
    repeats = 0;
    last = { level, text };
    channel[level](text);
    if (level === 'warn' || level === 'error') recentProblems.record(text);
  };
  return new Proxy(channel as ExtensionLog, {
    get: (target, property) => {
      if (property === 'recentProblems') return recentProblems;
      if (typeof property === 'string' && levels.has(property)) return (message: string | Error, ...args: unknown[]) => write(property as Level, message, ...args);
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
