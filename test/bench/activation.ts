// Activation: what the extension loads when a window starts, and how long that takes, for the shipped build
// (dist/ from `node esbuild.mjs --production`) against the single bundle it was before (everything in
// dist/extension.js, built here the way esbuild.mjs used to). In plain Node, the bytes and the time to
// require them; in the real extension host (code-server), the host's require() of the bundle and its call of
// activate() with the real context (timed by the test-world extension in hostDriver/), with nothing logged in
// and with 50 registries logged in (sign-in state to read, a status bar to draw), a new window each time.
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { runFromPalette } from '../e2e/workbench';
import { launchChromium } from '../world/browser';
import { buildForTests } from '../world/build';
import { projectRoot, startCodeServer } from '../world/codeServer';
import { emulatorWorkbench } from '../world/emulatorWorkbench';
import { eventually } from '../world/eventually';
import { BenchWorld, benchRegistryNames } from './benchWorld';
import { measured, single } from './measure';
import { limitRow, ratioRow, Row } from './report';

const loadRepetitions = 21;
const hostRepetitions = 5;
const loggedIn = 50;

/** The extension as one file, as esbuild.mjs built it before the heavy packages moved to dist/lazy. */
async function buildSingleBundle(outfile: string): Promise<void> {
  await esbuild.build({
    entryPoints: [join(projectRoot, 'src/extension.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'cpu-features', '*.node'],
    minify: true,
    outfile,
    logLevel: 'error',
  });
}

// Requires a bundle in a fresh Node process, with `vscode` answered by a stand-in (nothing is called at
// load time), and prints the milliseconds the require took.
const timeRequire = `
const Module = require('node:module');
const { performance } = require('node:perf_hooks');
const standIn = new Proxy(function () {}, { get: (target, key) => (key === 'then' ? undefined : key === '__esModule' ? true : standIn), apply: () => standIn, construct: () => standIn, getPrototypeOf: () => standIn });
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? standIn : load.call(this, request, ...rest); };
const start = performance.now();
require(process.argv[1]);
console.log(performance.now() - start);
`;

function requireMs(bundle: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', timeRequire, bundle], (error, stdout, stderr) => (error ? reject(new Error(`${bundle}: ${stderr}`)) : resolve(Number(stdout.trim())))),
  );
}

/** What the benchmark driver extension (hostDriver/) reports from an extension host once ACR Access is active. */
interface HostActivation {
  readonly pid: number;
  readonly active: boolean;
  readonly loadMs?: number;
  readonly activateMs?: number;
  readonly lazyBundles: string[];
}

interface Samples {
  readonly load: number[];
  readonly activate: number[];
  readonly lazyBundles: Set<string>;
}

const noSamples = (): Samples => ({ load: [], activate: [], lazyBundles: new Set() });

export async function activationBench(world: BenchWorld): Promise<Row[]> {
  const { emulator } = world;
  const dir = await mkdtemp(join(tmpdir(), 'acr-bench-activation-'));
  const shipped = join(projectRoot, 'dist', 'extension.js');
  const ours = join(dir, 'ours.js');
  const before = join(dir, 'single.js');
  try {
    // The host needs the test world's Microsoft sign-in (out/), then the extension as it ships.
    buildForTests();
    execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: projectRoot, stdio: 'inherit' });
    await copyFile(shipped, ours);
    await buildSingleBundle(before);

    // Plain Node: bytes and the time to require them.
    const loadMs = { ours: [] as number[], single: [] as number[] };
    for (let round = 0; round < loadRepetitions + 1; round++) {
      const [a, b] = [await requireMs(ours), await requireMs(before)];
      if (round > 0) {
        loadMs.ours.push(a);
        loadMs.single.push(b);
      }
    }
    const bytes = { ours: (await stat(ours)).size, single: (await stat(before)).size };

    // The real extension host: a new window (and so a new extension host) for every sample.
    const results = join(dir, 'results');
    await mkdir(results);
    const loginServers = benchRegistryNames(loggedIn).map((name) => emulator.loginServer(name));
    const workbench = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: true, autoApprove: true, dockerConfig: join(dir, 'docker-config') });
    const server = await startCodeServer({
      ...workbench,
      env: { ...workbench.env, ACR_BENCH_RESULTS: results, ACR_BENCH_LOGIN_SERVERS: JSON.stringify(loginServers) },
      extensions: [...(workbench.extensions ?? []), join(projectRoot, 'test/bench/hostDriver')],
    });
    const browser = await launchChromium();
    const host = { none: { ours: noSamples(), single: noSamples() }, fifty: { ours: noSamples(), single: noSamples() } };
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]);
      let lastPid = 0;
      const windowStart = async (bundle: string, into?: Samples): Promise<void> => {
        await copyFile(bundle, shipped);
        let activation: HostActivation | undefined;
        // The host may activate ACR Access before the driver (the view restored open activates it too); such a
        // window has no times, and another one is started.
        for (let attempt = 1; attempt <= 3 && activation?.activateMs === undefined; attempt++) {
          // A window on a busy machine can take longer than the default 30 s to load.
          await page.goto(url, { timeout: 180_000 });
          activation = await waitForResult<HostActivation>(join(results, 'activation.json'), 180_000);
          if (!activation.active || activation.pid === lastPid) throw new Error(`no new activation of ACR Access: ${JSON.stringify(activation)}`);
          lastPid = activation.pid;
        }
        if (activation?.loadMs === undefined || activation.activateMs === undefined) {
          throw new Error(`ACR Access activated before the driver could time it, three times: ${JSON.stringify(activation)}`);
        }
        into?.load.push(activation.loadMs);
        into?.activate.push(activation.activateMs);
        for (const file of activation.lazyBundles) into?.lazyBundles.add(file);
      };
      const sample = async (state: { ours: Samples; single: Samples }, what: string): Promise<void> => {
        for (let round = 0; round < hostRepetitions + 1; round++) {
          await windowStart(ours, round > 0 ? state.ours : undefined);
          await windowStart(before, round > 0 ? state.single : undefined);
          console.log(`  window starts, ${what}: ${round + 1} of ${hostRepetitions + 1} rounds`);
        }
      };
      await sample(host.none, 'nothing logged in');

      await windowStart(ours);
      await page.getByRole('tab', { name: 'ACR Access' }).waitFor({ timeout: 60_000 });
      await runFromPalette(page, 'ACR Bench: Log In Docker to the Bench Registries');
      const outcome = await waitForResult<{ loggedIn?: string[]; error?: string }>(join(results, 'logInDocker.json'), 300_000);
      if (outcome.loggedIn?.length !== loggedIn) throw new Error(`logging Docker in to ${loggedIn} registries failed: ${outcome.error ?? JSON.stringify(outcome.loggedIn)}`);
      await sample(host.fifty, `${loggedIn} registries logged in`);
    } finally {
      await browser.close();
      await server.stop();
      await copyFile(ours, shipped);
    }

    const bench = 'activation';
    const singleBundle = 'single bundle (before)';
    const timedInHost = "timed in the extension host around its call of activate() with the real context (hostDriver/), a new window each time";
    const lazy = [...host.none.ours.lazyBundles, ...host.fifty.ours.lazyBundles];
    return [
      limitRow(bench, 'code loaded at activation (dist/extension.js)', single(Math.round(bytes.ours / 1000), 'KB'), 150, '<= 150 KB', undefined, { name: singleBundle, ...single(Math.round(bytes.single / 1000), 'KB') }),
      ratioRow(bench, 'time to load it: require() in plain Node, vscode stood in for', measured(loadMs.ours, 'ms'), { name: singleBundle, ...measured(loadMs.single, 'ms') }, undefined),
      ratioRow(bench, 'time to load it in the real extension host', measured(host.none.ours.load, 'ms'), { name: singleBundle, ...measured(host.none.single.load, 'ms') }, undefined, "the extension host's require() of dist/extension.js"),
      limitRow(bench, 'activate() in the real extension host, nothing logged in', measured(host.none.ours.activate, 'ms'), 10, '<= 10 ms', timedInHost, { name: singleBundle, ...measured(host.none.single.activate, 'ms') }),
      limitRow(bench, `activate() in the real extension host, ${loggedIn} registries logged in`, measured(host.fifty.ours.activate, 'ms'), 20, '<= 20 ms', undefined, {
        name: singleBundle,
        ...measured(host.fifty.single.activate, 'ms'),
      }),
      limitRow(bench, 'lazy bundles loaded by activation (every window above)', single(lazy.length, ''), 0, '= 0', lazy.join(', ') || undefined),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function waitForResult<T>(file: string, timeoutMs: number): Promise<T> {
  // Until the file is there and whole, reading or parsing it fails: not yet.
  const read = (): Promise<{ result: T } | undefined> => readFile(file, 'utf8').then((text) => ({ result: JSON.parse(text) as T }), () => undefined).catch(() => undefined);
  const { result } = await eventually(`${file} written`, read, timeoutMs, 200);
  await rm(file);
  return result;
}
