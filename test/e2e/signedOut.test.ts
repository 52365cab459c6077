import * as assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { openWorkbench, saveScreenshot, Workbench } from './workbench';

describe('A developer who has not signed in yet', () => {
  let workbench: Workbench;
  before(async () => (workbench = await openWorkbench()));
  after(async () => workbench?.close());

  it('opens ACR Access from the activity bar and is told they are not signed in', async () => {
    const { page } = workbench;
    await page.getByRole('tab', { name: 'ACR Access' }).click();
    const sidebar = page.locator('.part.sidebar');
    await sidebar.locator('.title-label').getByText(/ACR Access: Registries/i).waitFor({ timeout: 30_000 });
    await sidebar.locator('.welcome-view-content').getByText('You are not signed in to Azure Container Registry.').waitFor();
    const screenshot = await saveScreenshot(page, 'signed-out-registries-view');
    assert.ok((await stat(screenshot)).size > 10_000);
  });
});
