import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, sep } from 'node:path';
import { projectRoot } from '../world/codeServer';
import { startDockerEngine } from '../world/dockerEngine';

/**
 * The folders under the temp dir that these processes name on their command lines (code-server's user data, the
 * engine's data root, a registry's config): only theirs, since other test files run at the same time.
 */
function tempDirsOf(pids: readonly number[]): string[] {
  const temp = `${tmpdir()}${sep}`;
  const named = pids.flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return [];
    }
  });
  const dirs = named.filter((arg) => arg.startsWith(`${temp}acr-`)).map((arg) => temp + arg.slice(temp.length).split(sep)[0]);
  return [...new Set(dirs)].sort();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Every process below `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => {
      try {
        return Number(readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

describe('The test world', () => {
  it('starts a private Docker engine on its own socket and removes it and its files on stop', async () => {
    const engine = await startDockerEngine({ reuseExisting: false });
    const socket = engine.host.replace('unix://', '');
    assert.ok(existsSync(socket), `no socket at ${socket}`);
    await engine.stop();
    assert.ok(!existsSync(socket));
    assert.ok(!existsSync(dirname(socket)), `${dirname(socket)} is left`);
  });

  it('`npm start` serves the workbench and stops every process it started on Ctrl+C', async () => {
    const start = spawn(process.execPath, ['--import', 'tsx', 'test/world/start.ts'], { cwd: projectRoot, stdio: 'pipe' });
    const url = await waitForLine(start, /http:\/\/127\.0\.0\.1:\d+\/\S+/, 60_000);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /workbench/i);
    const started = descendants(start.pid!);
    assert.ok(started.length > 0, 'npm start started no process');
    const dirs = tempDirsOf(started);
    assert.ok(dirs.some((dir) => basename(dir).startsWith('acr-code-server-')), `no code-server folder among ${dirs.join(', ')}`);

    start.kill('SIGINT');
    await new Promise((resolve) => start.once('exit', resolve));
    assert.deepEqual(started.filter(alive), [], 'processes left running after Ctrl+C');
    await assert.rejects(fetch(url), 'the workbench still answers after Ctrl+C');
    assert.deepEqual(dirs.filter((dir) => existsSync(dir)), [], 'temp folders left after Ctrl+C');
  });
});
