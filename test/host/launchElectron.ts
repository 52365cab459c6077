// `npm run test:host:electron`: the same host suite in desktop VS Code, for machines that can download it.
// @vscode/test-electron downloads VS Code and Playwright drives its window, so the workbench probe
// works as it does with code-server. CI here uses launchCodeServer.ts instead: the download fails offline.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode } from '@vscode/test-electron';
import { _electron as electron } from 'playwright-core';
import { buildForTests } from '../world/build';
import { projectRoot } from '../world/codeServer';
import { formatCounts } from '../counts';
import { HostResults } from './results';
import { startWorkbenchProbe } from './workbenchProbe';

async function main(): Promise<void> {
  buildForTests();
  const executablePath = await downloadAndUnzipVSCode('1.100.3');
  const dir = await mkdtemp(join(tmpdir(), 'acr-host-electron-'));
  const resultsFile = join(dir, 'results.json');
  const probe = await startWorkbenchProbe();
  try {
    const app = await electron.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${join(dir, 'user-data')}`,
        `--extensions-dir=${join(dir, 'extensions')}`,
        `--extensionDevelopmentPath=${projectRoot}`,
        `--extensionTestsPath=${join(projectRoot, 'out/host/suite/index.js')}`,
        dir,
      ],
      env: { ...process.env, ACR_TEST_RESULTS: resultsFile, ACR_TEST_WORKBENCH_PROBE: probe.url },
    });
    const closed = new Promise<void>((resolve) => app.on('close', () => resolve()));
    probe.attach(await app.firstWindow());
    await closed;
    const results = JSON.parse(await readFile(resultsFile, 'utf8')) as HostResults;
    for (const title of results.passed) console.log(`  ✔ ${title}`);
    for (const { title, error } of results.failed) console.log(`  ✘ ${title}\n${error}`);
    for (const title of results.skipped ?? []) console.log(`  - ${title} (skipped)`);
    console.log(formatCounts({ passed: results.passed.length, failed: results.failed.length, skipped: results.skipped?.length ?? 0 }));
    process.exitCode = results.failed.length > 0 ? 1 : 0;
  } finally {
    await probe.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
