// ACR: Diagnose Access from a failed pull (issue #20): the pull's error notification offers Diagnose, which opens
// the report for that registry with the failing check first, and Copy Report copies it.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FrameLocator, Locator, Page } from 'playwright-core';
import {
  artifactsDir,
  clearNotifications,
  EmulatorWorkbench,
  expandRow,
  openEmulatorWorkbench,
  openRegistriesView,
  runFromContextMenu,
  saveScreenshot,
  screenshotIfFailed,
  signInWithVsCodeAccount,
} from './workbench';

const run = promisify(execFile);

describe('A developer whose pull fails diagnoses the registry from the error', () => {
  let workbench: EmulatorWorkbench;
  let page: Page;
  let apps: string | undefined;
  /** The rendered preview: VS Code puts a webview's content in an iframe inside the webview's own iframe. */
  const preview = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  before(async () => {
    workbench = await openEmulatorWorkbench();
    page = workbench.page;
    apps = workbench.emulator.loginServer('contosoapps');
  });
  afterEach(screenshotIfFailed(() => page));
  after(async () => {
    await workbench?.close();
    if (apps) await run('docker', ['rmi', '--force', `${apps}/hello:v1`]).catch(() => undefined);
  });

  it('a pull refused by the firewall offers Diagnose; the report opens with the Challenge failure first, and Copy Report copies it', async () => {
    await signInWithVsCodeAccount(page, 'contosoapps');
    await clearNotifications(page);
    const tree = await openRegistriesView(page);
    const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    await expandRow(row(/^Registry contosoapps, /));
    await expandRow(row(`${apps}/hello`));
    const tag = row(/^Tag v1, /);
    await tag.waitFor({ timeout: 30_000 });

    // The registry's network rules now refuse this address: /v2/ answers 403 to everyone (docs/protocol.md section 2).
    await workbench.emulator.client.addFault({
      server: 'registry:contosoapps',
      method: 'GET',
      path: '^/v2/$',
      mode: 'status',
      status: 403,
      body: { errors: [{ code: 'DENIED', message: 'client with IP 203.0.113.7 is not allowed access' }] },
    });
    await runFromContextMenu(tag, 'Pull Image');
    const failed = page.locator('.notification-toast').filter({ has: page.getByRole('button', { name: 'Diagnose' }) });
    await failed.waitFor({ timeout: 120_000 });
    await saveScreenshot(page, 'diagnose-1-pull-failed');
    await failed.getByRole('button', { name: 'Diagnose' }).click();

    const firstCheck = preview().locator('li').first();
    await firstCheck.waitFor({ timeout: 120_000 });
    const report = await preview().locator('body').innerText();
    assert.match(await firstCheck.innerText(), /^Failed: Challenge \(/, report);
    assert.match(report, /network rules \(firewall, or public network access off\)/);
    assert.ok(report.startsWith(`ACR Access diagnosis of ${apps}`), report);
    // The report as shown goes to the artifacts, which the suite's secret scan reads for every issued secret.
    await mkdir(artifactsDir, { recursive: true });
    await writeFile(join(artifactsDir, 'diagnose-report.txt'), report);
    await saveScreenshot(page, 'diagnose-2-report');

    await page.locator('.editor-actions').getByRole('button', { name: 'Copy Report' }).click();
    // Headless Chromium's clipboard cannot be read back: the extension's status bar message says what it copied.
    await page.locator('.part.statusbar').getByText('Diagnosis report copied as Markdown').waitFor({ timeout: 10_000 });
    await workbench.emulator.client.clearFaults();
    await clearNotifications(page);
  });
});
