// npm start's own program (test/world/start.ts) in a child process, used through its printout as a new user would.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { Browser } from 'playwright-core';
import type { EmulatorInfo, LogEntry } from '../world/emulator';
import { launchChromium } from '../world/browser';
import { projectRoot } from '../world/codeServer';
import { eventually } from '../world/eventually';
import { Started, startProcess } from '../world/processes';
import { saveScreenshot } from './workbench';

const run = promisify(execFile);

/** The lines of the printout that start (after their indent) with `start`. */
function linesStarting(printout: string, start: string): string[] {
  return printout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith(start));
}

function onlyLineStarting(printout: string, start: string): string {
  const lines = linesStarting(printout, start);
  assert.equal(lines.length, 1, `one line starting ${start} in:\n${printout}`);
  return lines[0];
}

/** The variables of the printed `export` line. */
function printedEnvironment(printout: string): Record<string, string> {
  const pairs = onlyLineStarting(printout, 'export ').slice('export '.length).split(' ');
  return Object.fromEntries(pairs.map((pair): [string, string] => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** Runs a command line of the printout as a user pasting it into bash would. */
function runPrinted(commandLine: string, env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string }> {
  return run('bash', ['-o', 'pipefail', '-c', commandLine], { env });
}

async function statusOf(url: string): Promise<number> {
  return (await fetch(url)).status;
}

/** Processes whose command line names one of these paths. */
async function processesNaming(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (paths.some((path) => commandLine.includes(path))) found.push(`${pid}: ${commandLine}`);
  }
  return found;
}

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

describe('A new user runs npm start', () => {
  let demo: Started;
  let printout: string;
  let browser: Browser | undefined;

  before(async () => {
    demo = startProcess(process.execPath, ['--import', 'tsx', 'test/world/start.ts'], { cwd: projectRoot });
    printout = await eventually(
      () => `the printout of npm start:\n${demo.output()}`,
      () => {
        if (demo.child.exitCode !== null) throw new Error(`npm start exited with ${demo.child.exitCode}:\n${demo.output()}`);
        return Promise.resolve(demo.output().includes('Press Ctrl+C to stop.') && demo.output());
      },
      120_000,
      200,
    );
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('opens the printed URL in a browser and the Get Started walkthrough opens by itself', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(onlyLineStarting(printout, 'http://'), { waitUntil: 'commit', timeout: 120_000 });
    await page.locator('.gettingStartedContainer').filter({ hasText: 'Get Started with ACR Access' }).waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'start-1-walkthrough');
  });

  it('runs the printed control API examples: contosoprod answers 503, then not, and the request log shows it', async () => {
    const [addFault, clearFaults, readLog, ...others] = linesStarting(printout, 'curl ');
    assert.deepEqual(others, []);
    const loginServer = / docker login (\S+) -u storefront-reader /.exec(printout)?.[1];
    assert.ok(loginServer, printout);
    const registry = `https://${loginServer}/v2/`;

    assert.match((await runPrinted(addFault)).stdout, /^\{"id":\d+\}$/);
    assert.equal(await statusOf(registry), 503);
    await runPrinted(clearFaults);
    assert.equal(await statusOf(registry), 401);
    const log = JSON.parse((await runPrinted(readLog)).stdout) as LogEntry[];
    assert.deepEqual(
      log.filter((entry) => entry.host === loginServer).map(({ path, status, fault }) => ({ path, status, fault })),
      [{ path: '/v2/', status: 503, fault: 'status' }, { path: '/v2/', status: 401, fault: undefined }],
    );
  });

  it('logs the docker CLI in with a new DOCKER_CONFIG in the printed environment, the credential kept by docker-credential-pass', async () => {
    const printedEnv = printedEnvironment(printout);
    assert.deepEqual(Object.keys(printedEnv).sort(), ['DOCKER_CONFIG', 'DOCKER_HOST', 'GNUPGHOME', 'PASSWORD_STORE_DIR']);
    const dockerConfig = await mkdtemp(join(tmpdir(), 'acr-e2e-new-docker-config-'));
    try {
      const env = { ...process.env, ...printedEnv, DOCKER_CONFIG: dockerConfig };
      const login = onlyLineStarting(printout, 'jq ');
      const loginServer = / docker login (\S+) -u storefront-reader /.exec(login)?.[1];
      assert.ok(loginServer, login);

      assert.match((await runPrinted(login, env)).stdout, /Login Succeeded/);

      assert.deepEqual(JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8')), { auths: { [loginServer]: {} }, credsStore: 'pass' });
      assert.deepEqual(JSON.parse((await run('docker-credential-pass', ['list'], { env })).stdout), { [loginServer]: 'storefront-reader' });
    } finally {
      await rm(dockerConfig, { recursive: true, force: true });
    }
  });

  it('stops everything it started on Ctrl+C', async () => {
    const control = /is at (http:\/\/\S+):$/m.exec(printout)?.[1];
    assert.ok(control, printout);
    const { workDir } = (await (await fetch(`${control}/info`)).json()) as EmulatorInfo;
    const workbench = new URL(onlyLineStarting(printout, 'http://'));
    const printedEnv = printedEnvironment(printout);
    const madeByDemo = [workDir, dirname(workbench.searchParams.get('folder') ?? ''), printedEnv.DOCKER_CONFIG, dirname(printedEnv.GNUPGHOME)];

    const started = descendants(demo.child.pid!);
    assert.ok(started.length > 0, 'npm start started no process');
    const namedDirs = tempDirsOf(started);
    assert.ok(namedDirs.some((dir) => basename(dir).startsWith('acr-code-server-')), `no code-server folder among ${namedDirs.join(', ')}`);

    const exited = new Promise((resolve) => demo.child.once('exit', resolve));
    process.kill(demo.child.pid!, 'SIGINT');
    await exited;

    assert.deepEqual(started.filter(alive), [], 'processes left running after Ctrl+C');
    assert.deepEqual(namedDirs.filter((dir) => existsSync(dir)), [], 'temp folders its processes named, left after Ctrl+C');

    await assert.rejects(fetch(`${control}/info`));
    await assert.rejects(fetch(workbench.origin));
    for (const path of madeByDemo) await assert.rejects(stat(path), { code: 'ENOENT' }, `${path} was removed`);
    assert.deepEqual(await processesNaming(madeByDemo), []);
  });
});
