import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Locator } from 'playwright-core';
import { EmulatorWorkbench, expandRow, notification, openEmulatorWorkbench, openRegistriesView, runFromContextMenu, saveScreenshot, screenshotIfFailed, signInWithVsCodeAccount } from './workbench';

const run = promisify(execFile);

describe('A developer kept waiting by a registry: a throttled listing, a pull cancelled', () => {
  let workbench: EmulatorWorkbench;
  let tree: Locator;

  before(async () => {
    workbench = await openEmulatorWorkbench();
  });
  afterEach(screenshotIfFailed(() => workbench?.page));
  after(() => workbench?.close());

  const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });

  it('a throttled listing says so in place at once, and the repositories come by themselves once the wait is over', async () => {
    const { page, emulator } = workbench;
    const apps = emulator.loginServer('contosoapps');
    await signInWithVsCodeAccount(page, 'contosoapps');
    tree = await openRegistriesView(page);
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    await emulator.client.addFault({ server: 'registry:contosoapps', path: '_catalog$', mode: 'status', status: 429, retryAfter: 5, times: 1 });
    await expandRow(row(/^Registry contosoapps, /));
    const throttled = row(/^Throttled by contosoapps, trying again in \d s\. /);
    await throttled.waitFor({ timeout: 15_000 });
    await saveScreenshot(page, 'tree-throttled');
    await row(`${apps}/hello`).waitFor({ timeout: 30_000 });
    assert.equal(await throttled.count(), 0, 'the throttled row gave way to the repositories');
  });

  it('Cancel on the progress stops the pull, and the extension says it was cancelled and that Docker was left without the image', async () => {
    const { page, emulator } = workbench;
    const apps = emulator.loginServer('contosoapps');
    const reference = `${apps}/team/web:2.0`;
    await expandRow(row(`${apps}/team/web`));
    // The registry sends half of each layer, then nothing for two minutes: the pull is under way and cannot finish.
    await emulator.client.addFault({ server: 'registry:contosoapps', path: '^/v2/team/web/blobs/', mode: 'slowBody', delayMs: 120_000 });
    await runFromContextMenu(row(/^Tag 2\.0, /), 'Pull Image');

    const progress = page.locator('.notification-toast').filter({ hasText: `Pulling ${reference}` });
    await progress.waitFor({ timeout: 30_000 });
    await progress.getByRole('button', { name: 'Cancel' }).click();
    const cancelled = notification(page, `Cancelled pulling ${reference}. Nothing was left behind: Docker has no image under that name.`);
    await cancelled.waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'pull-cancelled');
    await assert.rejects(run('docker', ['image', 'inspect', reference], { env: process.env }), /No such image/);
  });
});
