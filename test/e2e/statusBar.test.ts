import * as assert from 'node:assert/strict';
import { Locator, Page } from 'playwright-core';
import type { RunningEmulator } from '../world/emulator';
import { waitFor } from '../world/processes';
import { EmulatorWorkbench, openEmulatorWorkbench, saveScreenshot, screenshotIfFailed, signInWithVsCodeAccount } from './workbench';

/** How long the emulator's ACR refresh tokens live in this journey. */
const tokenSeconds = 150;
/**
 * Warning colours with less than this left: 15 s after each exchange, long enough for the first look to find
 * normal colours on a loaded machine, and soon enough that the journey does not sit waiting for it.
 */
const warningMinutes = 2.25;
/** Renewal 15-22 s before `exp`, so the scheduled renewal comes long after the steps below. */
const leadTimeMinutes = 0.25;

/** Seconds left in the item's text, e.g. "ACR contosoapps 2m 29s" or "ACR contosoapps 45s". */
function secondsLeft(text: string): number {
  const match = /ACR contosoapps (?:(\d+)m )?(\d+)s/.exec(text);
  if (!match) throw new Error(`no time left in the status bar text "${text}"`);
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
}

/** The classes VS Code's status bar gives an item shown in warning or error colours. */
async function kinds(item: Locator): Promise<string[]> {
  const classes = ((await item.getAttribute('class')) ?? '').split(/\s+/);
  return classes.filter((name) => name === 'warning-kind' || name === 'error-kind');
}

/** The item's Markdown tooltip, as VS Code's hover shows it. */
function tooltip(page: Page): Locator {
  return page.locator('.workbench-hover').filter({ hasText: 'Docker credentials from ACR Access' });
}

describe("The status bar tells how long Docker's registry credential lasts", () => {
  let workbench: EmulatorWorkbench;
  let emulator: RunningEmulator;
  let item: Locator;

  before(async () => {
    workbench = await openEmulatorWorkbench(() => ({ 'acrAccess.statusBar.warningMinutes': warningMinutes, 'acrAccess.autoRefresh.leadTimeMinutes': leadTimeMinutes }));
    emulator = workbench.emulator;
    await emulator.client.setLifetimes({ acrRefreshSeconds: tokenSeconds });
    // VS Code names an extension's status bar item <publisher>.<name>.<item id>.
    item = workbench.page.locator('.part.statusbar [id="acraccess.acr-access.acrAccess.expiry"]');
  });
  afterEach(screenshotIfFailed(() => workbench?.page));
  after(() => workbench?.close());

  it('shows the registry and its time left in normal colours once Docker is logged in', async () => {
    const { page } = workbench;
    await signInWithVsCodeAccount(page, 'contosoapps');
    await page.locator('.notification-toast').filter({ hasText: 'Logging Docker in to' }).waitFor({ state: 'hidden' });

    await item.getByText(/ACR contosoapps/).waitFor({ timeout: 15_000 });
    const left = secondsLeft(await item.innerText());
    assert.ok(left > warningMinutes * 60 && left <= tokenSeconds, `${left} s left`);
    assert.deepEqual(await kinds(item), []);
    assert.equal(await item.locator('.codicon-key').count(), 1);
    await saveScreenshot(page, 'status-bar-1-normal');
  });

  it('counts the time left down', async () => {
    const before = secondsLeft(await item.innerText());
    await waitFor(async () => secondsLeft(await item.innerText()) < before, 15_000, () => `the status bar still says ${before} s left`);
  });

  it('turns to warning colours with a warning icon below the threshold', async () => {
    // Due tokenSeconds - warningMinutes * 60 seconds after the exchange; the item looks again exactly then.
    await waitFor(async () => (await kinds(item)).includes('warning-kind'), 60_000, () => 'the status bar item never turned to warning colours');
    assert.equal(await item.locator('.codicon-warning').count(), 1);
    const left = secondsLeft(await item.innerText());
    assert.ok(left <= warningMinutes * 60, `${left} s left`);
    await saveScreenshot(workbench.page, 'status-bar-2-warning');
  });

  it('lists the registry with the account it was signed in with in its tooltip', async () => {
    const { page } = workbench;
    await item.hover();
    await tooltip(page).waitFor({ timeout: 15_000 });
    const row = tooltip(page).locator('tr').filter({ hasText: 'contosoapps' });
    await row.getByText('alice@contoso.example').waitFor();
    await row.getByText('Microsoft account in VS Code').waitFor();
    await saveScreenshot(page, 'status-bar-3-tooltip');
    await page.mouse.move(700, 300);
    await tooltip(page).waitFor({ state: 'hidden' });
  });

  it('offers renew, log out and the log when clicked, and renewing brings back a full lifetime in normal colours', async () => {
    const { page } = workbench;
    await item.click();
    const quickInput = page.locator('.quick-input-widget');
    const renew = quickInput.locator('.monaco-list-row').filter({ hasText: 'Renew contosoapps' });
    await renew.waitFor({ timeout: 15_000 });
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Log Out Docker from contosoapps' }).waitFor();
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Show Log' }).waitFor();
    await saveScreenshot(page, 'status-bar-4-actions');

    await renew.click();
    // Only the command says so; a scheduled renewal is silent.
    await page.locator('.notification-toast').filter({ hasText: 'Docker credentials renewed for contosoapps.' }).waitFor({ timeout: 60_000 });
    await waitFor(async () => (await kinds(item)).length === 0, 15_000, () => 'the status bar item kept its warning colours after renewing');
    const left = secondsLeft(await item.innerText());
    assert.ok(left > warningMinutes * 60 && left <= tokenSeconds, `${left} s left`);
    assert.equal(await item.locator('.codicon-key').count(), 1);
    // Focus went back to the item when the quick pick closed, and a focused item shows its tooltip: focus the editor area.
    await page.locator('.part.editor').click();
    await tooltip(page).waitFor({ state: 'hidden' });
    await saveScreenshot(page, 'status-bar-5-renewed');
  });

  it('after a window reload, shows the same credential again without a new exchange', async () => {
    const { page } = workbench;
    const before = secondsLeft(await item.innerText());
    await emulator.client.clearLog();
    await page.reload();
    await page.getByRole('tab', { name: 'ACR Access' }).waitFor({ timeout: 60_000 });
    await item.getByText(/ACR contosoapps/).waitFor({ timeout: 30_000 });
    const after = secondsLeft(await item.innerText());
    // Remembered across the reload: the same expiry, counted down by the time the reload took.
    assert.ok(after <= before && after > before - 60, `${before} s left before the reload, ${after} s after`);
    const exchanges = (await emulator.client.log()).filter((entry) => entry.path === '/oauth2/exchange');
    assert.deepEqual(exchanges, [], 'the reloaded window exchanged a new token instead of tracking the remembered one');
  });
});
