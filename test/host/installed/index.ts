// Run by the extension host of a workbench where ACR Access was installed from its .vsix (see
// runInstalledVsixInCodeServer in ../launchCodeServer.ts): every check runs, in order, and counts as one test
// result of its own. None needs an earlier one to have passed: with the first made to fail, the others still
// report theirs.
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import { runAcrCommand } from '../commands';
import { hostEmulator } from '../emulator';
import { HostResults } from '../results';

const extensionId = 'acraccess.acr-access';

function installedExtension(): vscode.Extension<AcrAccessExports> {
  const extension = vscode.extensions.getExtension<AcrAccessExports>(extensionId);
  assert.ok(extension, `${extensionId} is not installed in this workbench`);
  return extension;
}

const checks: [string, () => Promise<void>][] = [
  [
    'the .vsix installs into the extensions folder, apart from the source tree',
    async () => {
      const { extensionPath } = installedExtension();
      assert.match(extensionPath, new RegExp(`\\${sep}extensions\\${sep}${extensionId}-[0-9.]+$`));
      // What was installed is the packaged build: minified, so the source's own function names are gone.
      const bundle = await readFile(join(extensionPath, 'dist/extension.js'), 'utf8');
      assert.ok(!bundle.includes('function registerCommands('), 'the installed bundle is not the packaged one');
    },
  ],
  [
    'it activates by itself once the window has started',
    async () => {
      const extension = installedExtension();
      // onStartupFinished: the host activates it soon after the window is up; nothing here activates it.
      for (let waited = 0; !extension.isActive && waited < 60_000; waited += 100) await sleep(100);
      assert.ok(extension.isActive, 'not active a minute after start');
    },
  ],
  [
    "it signs in with VS Code's Microsoft account and logs Docker in to a registry",
    async () => {
      // Activated here if it did not activate by itself (the check before), so that this one still tells.
      const { renewals } = await installedExtension().activate();
      const apps = hostEmulator().loginServer('contosoapps');
      await runAcrCommand('acrAccess.logInDocker', [apps]);
      const logins = renewals.statuses().map(({ login }) => login);
      assert.deepEqual(logins.map(({ loginServer, persisted }) => ({ loginServer, persisted })), [{ loginServer: apps, persisted: true }]);
      const config = JSON.parse(await readFile(join(process.env.DOCKER_CONFIG!, 'config.json'), 'utf8')) as { auths?: Record<string, unknown> };
      assert.deepEqual(Object.keys(config.auths ?? {}), [apps]);
    },
  ],
];

export async function run(): Promise<void> {
  const results: HostResults = { passed: [], failed: [] };
  for (const [title, check] of checks) {
    const fullTitle = `Installed from the .vsix: ${title}`;
    try {
      await check();
      results.passed.push(fullTitle);
    } catch (error) {
      results.failed.push({ title: fullTitle, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }
  const resultsFile = process.env.ACR_TEST_RESULTS;
  if (resultsFile) await writeFile(resultsFile, JSON.stringify(results));
  if (results.failed.length > 0) throw new Error(`${results.failed.length} check(s) of the installed extension failed`);
}
