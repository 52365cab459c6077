import * as assert from 'node:assert/strict';
import { Locator, Page } from 'playwright-core';
import { waitFor } from '../world/processes';
import { EmulatorWorkbench, openEmulatorWorkbench, runFromPalette, saveScreenshot, screenshotIfFailed } from './workbench';

/** Presses a key until the focused element (as `focused` finds it) has an accessible name that matches, or gives up. */
async function pressUntilFocused(page: Page, key: string, focused: Locator, name: RegExp, what: string): Promise<string> {
  for (let presses = 0; ; presses++) {
    // Until the first key press a newly focused tree has no focused row.
    const label = (await focused.count()) > 0 ? ((await focused.first().getAttribute('aria-label')) ?? '') : '';
    if (name.test(label)) return label;
    assert.ok(presses < 15, `${key} never reached ${what} (at "${label}")`);
    await page.keyboard.press(key);
  }
}

describe('A developer who works with the keyboard only (and a screen reader)', () => {
  let workbench: EmulatorWorkbench;
  let page: Page;

  before(async () => {
    workbench = await openEmulatorWorkbench();
    page = workbench.page;
  });
  afterEach(screenshotIfFailed(() => page));
  after(() => workbench?.close());

  it('signs in, allows the sign-in and picks a registry without the mouse; the registry row and the status bar item say their state in words', async () => {
    await runFromPalette(page, 'ACR: Sign In');
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' }).waitFor();
    await page.keyboard.type('Microsoft account in VS Code');
    await page.keyboard.press('Enter');

    // VS Code's own dialog opens with its first button, Allow, focused.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText(/wants to sign in using Microsoft/).waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Allow' }).and(page.locator(':focus')).waitFor();
    await page.keyboard.press('Enter');

    // The registries: typing narrows the list, Down moves into it, Space ticks the row, Enter accepts.
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'contosoapps' }).waitFor({ timeout: 30_000 });
    await page.keyboard.type('contosoapps');
    const rows = quickInput.locator('.monaco-list-row');
    const narrowed = async (): Promise<boolean> => {
      const texts = await rows.allInnerTexts();
      return texts.length > 0 && texts.every((text) => text.includes('contosoapps'));
    };
    await waitFor(narrowed, 10_000, () => 'typing did not narrow the registries to contosoapps');
    await page.keyboard.press('ArrowDown');
    await rows.and(page.locator('.focused')).filter({ hasText: 'contosoapps' }).waitFor();
    // Space ticks a row only once the keyboard focus is in the list; in the filter box it is a typed space. On a busy
    // machine the focus has been seen to stay in the box after Down (twice in full runs): the user presses Down again.
    const focusInList = quickInput.locator('.quick-input-list :focus');
    if (!(await focusInList.waitFor({ timeout: 5_000 }).then(() => true, () => false))) await page.keyboard.press('ArrowDown');
    await focusInList.waitFor();
    await page.keyboard.press('Space');
    await quickInput.getByText('1 Selected').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast').filter({ hasText: /Docker is ready for contosoapps until / }).waitFor({ timeout: 60_000 });

    // The tree: Right expands a row, Down moves to the next one.
    const tree = page.locator('.part.sidebar').getByRole('tree', { name: 'Registries' });
    await runFromPalette(page, 'ACR Access: Focus on Registries View');
    await tree.getByRole('treeitem', { name: /^Tenant Contoso / }).waitFor({ timeout: 30_000 });
    // The first time, the view opens showing its welcome content, which the tree replaces once signed in.
    if (!(await tree.evaluate((element) => element.contains(document.activeElement)))) await runFromPalette(page, 'ACR Access: Focus on Registries View');
    await page.locator('.part.sidebar [role="tree"]:focus').waitFor();
    const focusedRow = tree.locator('.monaco-list-row.focused');
    const targets = [/^Tenant Contoso /, /^Subscription Contoso Dev /, /^Registry contosoapps, /];
    let registry = '';
    for (const [index, name] of targets.entries()) {
      // A row's children load after it expands: Down before they are there would go past them.
      await tree.getByRole('treeitem', { name }).waitFor({ timeout: 30_000 });
      registry = await pressUntilFocused(page, 'ArrowDown', focusedRow, name, String(name));
      if (index < targets.length - 1) await page.keyboard.press('ArrowRight');
    }
    assert.match(registry, /^Registry contosoapps, Premium, eastus, Docker is logged in until .+ \(\d+h \d+m left\)$/);

    // The status bar: focused from the palette, the Left and Right keys move between its items, Enter activates one.
    await runFromPalette(page, 'Focus Status Bar');
    const spoken = await pressUntilFocused(page, 'ArrowRight', page.locator('.part.statusbar :focus'), /^Docker's credential for contosoapps/, 'the ACR Access item');
    assert.match(spoken, /^Docker's credential for contosoapps: \d+h \d+m left, activate to renew, log out or show the log$/);
    await page.keyboard.press('Enter');
    await quickInput.getByText('ACR Access: Docker Credentials').waitFor();
    await quickInput.getByRole('option', { name: /Renew contosoapps/ }).waitFor();
    // How config.json is written here (src/docker/config.ts configWriteMode): Linux has the swap addon.
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'How the docker config is written' }).filter({ hasText: 'replaced by an atomic swap' }).waitFor();
    await saveScreenshot(page, 'keyboard-status-bar-actions');
    await page.keyboard.press('Escape');
  });
});
