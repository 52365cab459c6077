import * as assert from 'node:assert/strict';
import { openWorkbench, runFromPalette, saveScreenshot, Workbench } from './workbench';

describe('A developer who has not signed in yet', () => {
  let workbench: Workbench;
  before(async () => (workbench = await openWorkbench()));
  after(async () => workbench?.close());

  // What the screenshot shows is asserted first: a viewsWelcome that does not show, or shows other words or no
  // Sign In button (package.json, package.nls.json), fails here.
  it('opens ACR Access from the activity bar and is told they are not signed in', async () => {
    const { page } = workbench;
    await page.getByRole('tab', { name: 'ACR Access' }).click();
    const sidebar = page.locator('.part.sidebar');
    const welcome = sidebar.locator('.welcome-view-content');
    await welcome.waitFor({ timeout: 30_000 });
    assert.ok(await sidebar.locator('.composite.title').getByRole('heading', { name: 'ACR Access: Registries', exact: true }).isVisible(), 'the view title is not showing');
    assert.deepEqual(await welcome.locator('p').allInnerTexts(), ['Sign in to Azure to log Docker in to your container registries, with no password to type.']);
    assert.ok(await welcome.getByRole('button', { name: 'Sign In', exact: true }).isVisible(), 'the welcome shows no Sign In button');
    await saveScreenshot(page, 'signed-out-registries-view');
  });

  it('runs ACR: Show Log from the command palette with the keyboard and sees the log', async () => {
    const { page } = workbench;
    await runFromPalette(page, 'ACR: Show Log');
    const panel = page.locator('.part.panel');
    await panel.locator('.monaco-select-box, select').filter({ hasText: 'ACR Access' }).first().waitFor({ timeout: 15_000 });
    await panel.locator('.view-lines').getByText(/ACR\sAccess\s[\d.]+\sstarted/).waitFor();
    await saveScreenshot(page, 'show-log-from-palette');
  });
});
