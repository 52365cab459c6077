import * as assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { openWorkbench, runFromPalette, saveScreenshot, Workbench } from './workbench';

describe('A developer who has not signed in yet', () => {
  let workbench: Workbench;
  before(async () => (workbench = await openWorkbench()));
  after(async () => workbench?.close());

  it('opens ACR Access from the activity bar and is told they are not signed in', async () => {
    const { page } = workbench;
    await page.getByRole('tab', { name: 'ACR Access' }).click();
    const sidebar = page.locator('.part.sidebar');
    await sidebar.locator('.title-label').getByText(/ACR Access: Registries/i).waitFor({ timeout: 30_000 });
    await sidebar.locator('.welcome-view-content').getByText('Sign in to Azure to log Docker in to your container registries').waitFor();
    const screenshot = await saveScreenshot(page, 'signed-out-registries-view');
    assert.ok((await stat(screenshot)).size > 10_000);
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
