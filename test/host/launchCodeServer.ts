import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../world/browser';
import { buildForTests } from '../world/build';
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
  const dir = await mkdtemp(join(tmpdir(), 'acr-host-'));
  const removeDir = registerCleanup(() => rm(dir, { recursive: true, force: true }));
  const resultsFile = join(dir, 'results.json');
  const probe = await startWorkbenchProbe();
  const emulator = await startEmulator({ fixture: join(projectRoot, 'test/emulator/fixtures/component.json') });
  const workbench = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: true, autoApprove: true, dockerConfig: join(dir, 'docker-config') });
  const server = await startCodeServer({
    ...workbench,
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
        ['extensionDevelopmentPath', server.remoteUri(projectRoot)],
        ['extensionTestsPath', server.remoteUri(join(projectRoot, 'out/host/suite/index.js'))],
      ]),
      // The workbench's first load takes far longer than Playwright's 30 s default on a busy 2-core machine.
      { timeout: 120_000 },
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
