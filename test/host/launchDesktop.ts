import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { buildForTests } from '../world/build';
import { projectRoot } from '../world/codeServer';
import { startEmulator } from '../world/emulator';
import { emulatorWorkbench } from '../world/emulatorWorkbench';
import { eventually } from '../world/eventually';
import { registerCleanup } from '../world/processes';
import { HostResults } from './results';
import { startWorkbenchProbe } from './workbenchProbe';

/**
 * Desktop VS Code: the one VSCODE_EXECUTABLE names, or stable downloaded by test-electron into the cache outside
 * the clone that install.sh keeps code-server in (so neither git nor ESLint sees it).
 */
export async function desktopVsCode(
  env: NodeJS.ProcessEnv = process.env,
  download: (options: { version: string; timeout: number; cachePath: string }) => Promise<string> = (options) => downloadAndUnzipVSCode(options),
  platform: NodeJS.Platform = process.platform,
): Promise<{ executable: string } | { unavailable: string }> {
  let executable = env.VSCODE_EXECUTABLE;
  if (!executable) {
    const cachePath = join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'acr-access', 'vscode-test');
    try {
      executable = await download({ version: 'stable', timeout: 30_000, cachePath });
    } catch (error) {
      const reason = String((error as Error).message ?? error).split('\n')[0];
      return { unavailable: `desktop VS Code could not be downloaded (${reason}); set VSCODE_EXECUTABLE to a VS Code executable to run this tier` };
    }
  }
  // Desktop VS Code on Linux needs a display; CI gives it one with xvfb-run.
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { unavailable: 'desktop VS Code has no display here (DISPLAY is not set); run the tier under xvfb-run' };
  return { executable };
}

/**
 * Runs the host suite (test/host/suite) in desktop VS Code's extension host through @vscode/test-electron, in the
 * world of the code-server launcher: the emulator as a custom cloud, the emulated Microsoft sign-in as a second
 * extension under development (VS Code's own is disabled), and the workbench probe attached to the window
 * through Chromium's debugging port. Resolves with `unavailable` when no VS Code can be had here.
 */
export async function runHostSuiteInDesktop(fileFilters: readonly string[] = []): Promise<HostResults | { unavailable: string }> {
  const vscode = await desktopVsCode();
  if ('unavailable' in vscode) return vscode;
  buildForTests();
  const dir = await mkdtemp(join(tmpdir(), 'acr-desktop-'));
  const removeDir = registerCleanup(() => rm(dir, { recursive: true, force: true }));
  const resultsFile = join(dir, 'results.json');
  const probe = await startWorkbenchProbe();
  const emulator = await startEmulator({ fixture: join(projectRoot, 'test/emulator/fixtures/component.json') });
  try {
    const workbench = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: true, autoApprove: true, dockerConfig: join(dir, 'docker-config') });
    await mkdir(join(dir, 'user-data', 'User'), { recursive: true });
    await writeFile(join(dir, 'user-data', 'User', 'settings.json'), JSON.stringify(workbench.settings, null, 2));
    const debuggingPort = await freePort();
    const attached = attachProbe(debuggingPort, (page) => probe.attach(page));
    const exitCode = await runTests({
      vscodeExecutablePath: vscode.executable,
      extensionDevelopmentPath: [projectRoot, ...(workbench.extensions ?? [])],
      extensionTestsPath: join(projectRoot, 'out/host/suite/index.js'),
      extensionTestsEnv: { ...workbench.env, ACR_TEST_RESULTS: resultsFile, ACR_TEST_FILES: fileFilters.join(','), ACR_TEST_WORKBENCH_PROBE: probe.url, ACR_TEST_EMULATOR: JSON.stringify(emulator) },
      launchArgs: [
        '--user-data-dir', join(dir, 'user-data'),
        '--extensions-dir', join(dir, 'extensions'),
        '--disable-extension', 'vscode.microsoft-authentication',
        '--disable-workspace-trust',
        `--remote-debugging-port=${debuggingPort}`,
      ],
    }).catch(() => 1);
    await attached.then((browser) => browser?.close());
    const results = await readFile(resultsFile, 'utf8').then((text) => JSON.parse(text) as HostResults, () => undefined);
    if (!results) throw new Error(`the host suite ended in desktop VS Code (exit code ${exitCode}) without reporting results`);
    return results;
  } finally {
    await emulator.stop();
    await probe.close();
    await removeDir();
  }
}

/** Connects to the window through Chromium's debugging port once it is there, and hands its workbench page to the probe. */
async function attachProbe(port: number, attach: (page: Page) => void): Promise<Browser | undefined> {
  return eventually(
    'the desktop workbench on its debugging port',
    async () => {
      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`).catch(() => undefined);
      const page = browser?.contexts().flatMap((context) => context.pages()).find((candidate) => candidate.url().includes('workbench'));
      if (browser && page) {
        attach(page);
        return browser;
      }
      await browser?.close();
      return undefined;
    },
    120_000,
    500,
  ).catch(() => undefined);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
