import * as assert from 'node:assert/strict';
import { Locator, Page } from 'playwright-core';
import { clearNotifications, EmulatorWorkbench, expandRow, openEmulatorWorkbench, openRegistriesView, resizeSideBar, runFromContextMenu, saveScreenshot, screenshotIfFailed, signInWithVsCodeAccount } from './workbench';

describe('Find Repository... in a registry of 10,000 repositories', () => {
  let workbench: EmulatorWorkbench;
  let page: Page;

  before(async () => {
    workbench = await openEmulatorWorkbench();
    page = workbench.page;
  });
  afterEach(screenshotIfFailed(() => page));
  after(async () => {
    await workbench?.close();
  });

  it('shows a repository beyond the first page marked "found", in name order, before Load more...', async () => {
    await signInWithVsCodeAccount(page, 'contosoapps');
    const tree = await openRegistriesView(page);
    await resizeSideBar(page, 480);
    await clearNotifications(page);
    const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    const scale = row(/^Registry contososcale, /);
    await expandRow(scale);
    await row(/\/svc\/app-00001$/).waitFor({ timeout: 60_000 });

    await runFromContextMenu(scale, 'Find Repository...');
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.getByText('Find Repository in contososcale').waitFor({ timeout: 30_000 });
    await quickInput.locator('input').pressSequentially('svc/app-1000');
    await quickInput.getByRole('option', { name: 'svc/app-10000', exact: true }).click({ timeout: 30_000 });
    await quickInput.waitFor({ state: 'hidden' });

    const found = row(/\/svc\/app-10000, found$/);
    await found.and(page.locator('[aria-selected="true"]')).waitFor({ timeout: 30_000 });
    assert.equal(await found.locator('.label-description').innerText(), 'found');
    // The rows drawn around it (the tree draws only what is in view): the first page's last, the found one, Load more.
    const labels = await tree.getByRole('treeitem').evaluateAll((elements) => elements.map((element) => element.getAttribute('aria-label') ?? ''));
    const at = labels.findIndex((label) => label.endsWith('/svc/app-10000, found'));
    assert.match(labels[at - 1] ?? '', /\/svc\/app-000\d\d$/, JSON.stringify(labels));
    assert.equal(labels[at + 1], 'Load more...', JSON.stringify(labels));
    await saveScreenshot(page, 'tree-found-repository');
  });
});
