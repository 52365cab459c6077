import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import type { RunningEmulator } from '../world/emulator';
import { waitFor } from '../world/processes';
import { EmulatorWorkbench, openEmulatorWorkbench, runFromPalette, saveScreenshot } from './workbench';

/**
 * How long the person takes to approve: longer than any request time-out of the extension (30 s), as people
 * do when they switch to a phone, find the page and sign in with MFA. Wall-clock on purpose: what is tested is
 * that nothing in the extension gives up while the person is away.
 */
export const personTakesMs = 45_000;

/** Alice's registries in two tenants: two in Contoso, one in Fabrikam (the component fixture). */
export const threeRegistries = ['contosoapps', 'contosonoarm', 'fabrikamtools'];

/** A signed-out workbench whose Entra tokens are shorter than MSAL's renewal margin: every renewal asks Entra afresh, with the refresh token. */
export async function openPersonSignInWorkbench(): Promise<EmulatorWorkbench> {
  const workbench = await openEmulatorWorkbench();
  await workbench.emulator.client.setLifetimes({ entraSeconds: 120 });
  return workbench;
}

/** Starts ACR: Sign In with the given method and the default tenant (any the person belongs to). */
export async function startSignIn(page: Page, method: 'Device code' | 'Browser'): Promise<void> {
  const quickInput = page.locator('.quick-input-widget');
  await runFromPalette(page, 'ACR: Sign In');
  await quickInput.locator('.monaco-list-row').filter({ hasText: method }).click();
  await quickInput.locator('input').and(page.locator(':focus')).waitFor();
  assert.equal(await quickInput.locator('input').inputValue(), 'organizations');
  await page.keyboard.press('Enter');
}

/**
 * Whether a page the workbench opened is this one. code-server hands loopback addresses (the emulator's) to its
 * port proxy, which keeps only the port; desktop VS Code opens them as they are.
 */
export function opensPage(opened: string, expected: string): boolean {
  return opened === expected || new URL(opened).pathname.startsWith(`/proxy/${new URL(expected).port}/`);
}

/** The address a notification's link points to. */
export async function linkIn(toast: Locator, text: string): Promise<string> {
  const href = await toast.getByRole('link', { name: text }).getAttribute('href');
  assert.ok(href, `the notification has a "${text}" link`);
  return href;
}

/** How often Entra was asked for a device code, and for the sign-in page, since the emulator started. */
export async function personPrompts(emulator: RunningEmulator): Promise<{ deviceCodes: number; signInPages: number }> {
  const entra = (await emulator.client.log()).filter((entry) => entry.server === 'entra');
  return {
    deviceCodes: entra.filter((entry) => entry.path.endsWith('/devicecode')).length,
    signInPages: entra.filter((entry) => entry.method === 'GET' && entry.path.endsWith('/authorize')).length,
  };
}

/** What Docker's config holds for each registry (compared, never printed: they are credentials). */
async function dockerAuths(workbench: EmulatorWorkbench): Promise<(string | undefined)[]> {
  const config = JSON.parse(await readFile(join(workbench.dockerConfig, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> };
  return threeRegistries.map((name) => config.auths?.[workbench.emulator.loginServer(name)]?.auth);
}

/**
 * After the sign-in: picks Alice's three registries in two tenants and waits until Docker is ready for them;
 * then renews them all, reloads the window and renews again, each time checking Docker got new credentials.
 */
export async function logInThreeRegistriesAndRenewTwice(workbench: EmulatorWorkbench, screenshotPrefix: string): Promise<void> {
  const { page } = workbench;
  const quickInput = page.locator('.quick-input-widget');
  for (const name of threeRegistries) await quickInput.locator('.monaco-list-row').filter({ hasText: name }).click({ timeout: 60_000 });
  await quickInput.getByText('3 Selected').waitFor();
  await page.keyboard.press('Enter');
  const ready = page.locator('.notification-toast').filter({ hasText: /Docker is ready for .* until / });
  await ready.waitFor({ timeout: 90_000 });
  for (const name of threeRegistries) assert.ok((await ready.innerText()).includes(name), `${name} missing from: ${await ready.innerText()}`);
  await saveScreenshot(page, `${screenshotPrefix}-ready`);

  const renewAll = async (): Promise<void> => {
    const before = await dockerAuths(workbench);
    assert.ok(before.every(Boolean), 'Docker has a credential for each registry');
    await runFromPalette(page, 'ACR: Renew Docker Credentials Now');
    // What Renew Now said it did, for the failure message below.
    const said = page.locator('.notification-toast').filter({ hasText: /renew/i }).last();
    // Twice in full runs, just after the reload, the command chosen in the palette did not run at all (nothing
    // renewed, nothing said; cause not found): when it says nothing, the user chooses it again.
    if (!(await said.waitFor({ timeout: 20_000 }).then(() => true, () => false))) await runFromPalette(page, 'ACR: Renew Docker Credentials Now');
    const changed = async (): Promise<boolean> => (await dockerAuths(workbench)).every((auth, index) => auth && auth !== before[index]);
    try {
      await waitFor(changed, 90_000, () => 'Docker was not given new credentials for all three registries');
    } catch (error) {
      throw new Error(`${(error as Error).message}; Renew Now said: ${await said.textContent({ timeout: 1000 }).catch(() => '(nothing)')}`);
    }
  };
  await renewAll();
  await page.reload({ waitUntil: 'commit' });
  // The palette lists the command once the extension is active and has said the user is signed in: its status bar item shows then.
  await page.locator('.statusbar-item').filter({ hasText: /ACR \S+ \d+h/ }).first().waitFor({ timeout: 60_000 });
  await renewAll();
  await saveScreenshot(page, `${screenshotPrefix}-renewed-after-reload`);
  assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no dialog asks anything');
}
