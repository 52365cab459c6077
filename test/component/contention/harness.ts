// What the contention tests share: worker processes standing in for VS Code windows (worker.ts), and a
// reader of config.json.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../world/codeServer';
import type { CliTask, HelperWriterTask, RenewerTask, WriterTask } from './worker';

const workerScript = join(__dirname, 'worker.ts');

/** Runs one task of worker.ts in a Node process of its own, and answers the report it prints. */
export async function runWorker<T>(task: WriterTask | RenewerTask | CliTask | HelperWriterTask, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<T> {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    const options = { env: { ...env, NODE_OPTIONS: '' }, cwd: projectRoot, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 };
    const child = execFile(process.execPath, ['--import', 'tsx', workerScript, JSON.stringify(task)], options, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
    child.stdin?.end();
  });
  assert.equal(code, 0, `a ${task.kind} process failed: ${output}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as T;
}

export interface ConfigReads {
  readonly reads: number;
  readonly partial: number;
  readonly wrongMode: number;
}

/**
 * Reads config.json in a loop until stopped, pausing with `between` after each read: every read must parse, and
 * the file must keep mode 0600.
 */
export function pollConfig(file: string, between: () => Promise<unknown>): { stop: () => Promise<ConfigReads> } {
  let stopped = false;
  const counts = { reads: 0, partial: 0, wrongMode: 0 };
  const polling = (async () => {
    while (!stopped) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      const mode = await stat(file).then((info) => info.mode & 0o777, () => 0o600);
      if (text !== undefined) {
        counts.reads++;
        try {
          JSON.parse(text);
        } catch {
          counts.partial++;
        }
      }
      if (mode !== 0o600) counts.wrongMode++;
      await between();
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await polling;
      return counts;
    },
  };
}
