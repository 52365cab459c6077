import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../world/browser';
import { buildForTests, packagedVsix } from '../world/build';
import { projectRoot, startCodeServer } from '../world/codeServer';
import { startEmulator } from '../world/emulator';
import { emulatorWorkbench } from '../world/emulatorWorkbench';
import { registerCleanup } from '../world/processes';
import { HostResults } from './results';
import { startWorkbenchProbe } from './workbenchProbe';

const suiteTimeoutMs = 10 * 60_000;

/**
 * Runs the host suite inside code-server's extension host: Chromium opens the workbench with a payload
 * naming the extension under development and the suite's entry, the extension host calls the suite's
 * run(), and the workbench reports the outcome through codeAutomationExit. The workbench reaches the
 * emulator (component fixture) as a custom cloud, signed in as its user alice.
 */
export async function runHostSuiteInCodeServer(fileFilters: readonly string[] = []): Promise<HostResults> {
  buildForTests();
  return runInCodeServer({ developmentPath: projectRoot, testsPath: join(projectRoot, 'out/host/suite/index.js'), fileFilters });
}

/**
 * The packaged extension as a user gets it: the .vsix `npm run package` makes, `code-server --install-extension`
 * installs it into a fresh extensions folder, and test/host/installed checks from inside that workbench that it
 * activates by itself and signs in. The extension under development there is the emulated Microsoft sign-in,
 * so that ACR Access is only the installed copy.
 */
export async function runInstalledVsixInCodeServer(): Promise<HostResults> {
  const vsix = packagedVsix();
  buildForTests();
  return runInCodeServer({
    developmentPath: join(projectRoot, 'out/emulatedMicrosoftAuth'),
    testsPath: join(projectRoot, 'out/host/installed/index.js'),
    fileFilters: [],
    vsixFiles: [vsix],
  });
}

interface HostRun {
  /** The extension loaded as under development (extensionDevelopmentPath). */
  readonly developmentPath: string;
  /** The module whose run() the extension host calls (extensionTestsPath). */
  readonly testsPath: string;
  readonly fileFilters: readonly string[];
  /** Packaged extensions to install into the workbench's extensions folder first. */
  readonly vsixFiles?: readonly string[];
}

async function runInCodeServer({ developmentPath, testsPath, fileFilters, vsixFiles }: HostRun): Promise<HostResults> {
  const dir = await mkdtemp(join(tmpdir(), 'acr-host-'));
  const removeDir = registerCleanup(() => rm(dir, { recursive: true, force: true }));
  const resultsFile = join(dir, 'results.json');
  const probe = await startWorkbenchProbe();
  const emulator = await startEmulator({ fixture: join(projectRoot, 'test/emulator/fixtures/component.json') });
  const workbench = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: true, autoApprove: true, dockerConfig: join(dir, 'docker-config') });
  const server = await startCodeServer({
    ...workbench,
    // The emulated sign-in is installed, unless it is the extension under development.
    extensions: (workbench.extensions ?? []).filter((extension) => extension !== developmentPath),
    ...(vsixFiles ? { vsixFiles } : {}),
    env: { ...workbench.env, ACR_TEST_RESULTS: resultsFile, ACR_TEST_FILES: fileFilters.join(','), ACR_TEST_WORKBENCH_PROBE: probe.url, ACR_TEST_EMULATOR: JSON.stringify(emulator) },
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    probe.attach(page);
    const exited = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', resolve));
    // The workbench's own errors (such as the unreachable extension gallery) are shown only if the suite fails.
    const workbenchErrors: string[] = [];
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      if (type === 'error') workbenchErrors.push(args.map(String).join(' '));
    });
    await page.goto(
      server.workbenchUrl([
        ['extensionDevelopmentPath', server.remoteUri(developmentPath)],
        ['extensionTestsPath', server.remoteUri(testsPath)],
      ]),
      // The suite's end is awaited below; on a loaded machine the page's load event alone can take longer than 30 s.
      { waitUntil: 'commit', timeout: suiteTimeoutMs },
    );
    const timedOut = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`the host suite did not finish within ${suiteTimeoutMs / 1000} s`)), suiteTimeoutMs).unref(),
    );
    const exitCode = await Promise.race([exited, timedOut]);
    const results = await readFile(resultsFile, 'utf8').then(
      (text) => JSON.parse(text) as HostResults,
      () => undefined,
    );
    if (!results) {
      throw new Error(`the host suite ended (exit code ${exitCode}) without reporting results; code-server said:\n${server.output()}`);
    }
    if (exitCode !== 0 && results.failed.length === 0) {
      results.failed.push({ title: 'host suite run()', error: `the extension host exited with code ${exitCode}` });
    }
    if (results.failed.length > 0) {
      console.error(`Workbench errors during the run:\n${workbenchErrors.join('\n')}`);
      console.error(`The extension's log:\n${await server.extensionLog()}`);
    }
    return results;
  } finally {
    await browser.close();
    await server.stop();
    await emulator.stop();
    await probe.close();
    await removeDir();
  }
}
