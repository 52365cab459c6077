import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ClientSecretCredential } from '@azure/identity';
import { Locator, Page } from 'playwright-core';
import { scopeFor } from '../../src/azure/clouds';
import { assertCaTrusted, clients, contoso, devSubscription } from '../component/emulatorSupport';
import type { RunningEmulator } from '../world/emulator';
import { waitFor } from '../world/processes';
import { EmulatorWorkbench, openEmulatorWorkbench, runFromPalette, saveScreenshot, screenshotIfFailed, signInWithVsCodeAccount } from './workbench';

const run = promisify(execFile);
const dayMs = 24 * 60 * 60_000;

type Colours = 'normal' | 'warning' | 'error';

/** The colours VS Code's status bar gives the item, from the classes it sets for warning and error backgrounds. */
async function colours(item: Locator): Promise<Colours> {
  const classes = ((await item.getAttribute('class')) ?? '').split(/\s+/);
  return classes.includes('error-kind') ? 'error' : classes.includes('warning-kind') ? 'warning' : 'normal';
}

async function waitForColours(item: Locator, wanted: Colours): Promise<void> {
  let seen: Colours | undefined;
  await waitFor(async () => (seen = await colours(item)) === wanted, 60_000, () => `the status bar item stayed in ${seen} colours, not ${wanted}`);
}

describe('Renewals that need the user, and token passwords about to expire, in the real workbench', () => {
  let workbench: EmulatorWorkbench;
  let emulator: RunningEmulator;
  let dockerConfig: string;
  let apps: string;
  /** The extension's status bar item; VS Code names it <publisher>.<name>.<item id>. */
  let item: Locator;
  let page: Page;

  before(async () => {
    // The admin user and token journeys type contosoapps' login server (127.0.0.1:<port>) by hand: trusted, as a user would.
    workbench = await openEmulatorWorkbench((started) => ({ 'acrAccess.trustedHosts': [started.loginServer('contosoapps')] }));
    ({ emulator, dockerConfig, page } = workbench);
    assertCaTrusted(emulator);
    apps = emulator.loginServer('contosoapps');
    item = page.locator('.part.statusbar [id="acraccess.acr-access.acrAccess.expiry"]');
  });
  beforeEach(() => clearNotifications());
  afterEach(screenshotIfFailed(() => page));
  after(() => workbench?.close());

  const quickInput = (): Locator => page.locator('.quick-input-widget');
  const dialog = (): Locator => page.locator('.monaco-dialog-box');
  const toasts = (text: string | RegExp): Locator => page.locator('.notification-toast').filter({ hasText: text });

  /** Clears every notification, so what follows is counted alone (and none waits for room to show). */
  async function clearNotifications(): Promise<void> {
    await runFromPalette(page, 'Notifications: Clear All Notifications');
    await page.waitForFunction(() => document.querySelectorAll('.notification-toast').length === 0);
  }

  /** Registry management with the fixture's owner service principal, as someone else in the team would use the portal. */
  function registryManagement(): ContainerRegistryManagementClient {
    const credential = new ClientSecretCredential(contoso, clients.owner.clientId, clients.owner.secret, { authorityHost: emulator.entra.authorityHost, disableInstanceDiscovery: true });
    return new ContainerRegistryManagementClient(credential, devSubscription, { endpoint: emulator.arm.endpoint, credentials: { scopes: [scopeFor(emulator.arm.audience)] } });
  }

  /** ACR: Sign In (from the palette, unless something else opened it) with a registry's own user name and password. */
  async function signInWithPassword(how: 'Admin user' | 'Repository-scoped token', username: string, password: string, fromPalette = true): Promise<void> {
    if (fromPalette) await runFromPalette(page, 'ACR: Sign In');
    await quickInput().locator('.monaco-list-row').filter({ hasText: how }).click();
    if (how === 'Admin user') {
      // A modal warning that the admin user has full access comes first.
      await dialog().getByText('The admin user has full access to the registry').waitFor({ timeout: 15_000 });
      await dialog().getByRole('button', { name: 'Use Admin User' }).click();
    }
    // Each prompt replaces the last in the same box: wait for its own words before typing.
    for (const [prompt, value] of [
      ['Login server of the registry', apps],
      [how === 'Admin user' ? 'Admin user name' : 'Token name', username],
      ['Password', password],
    ]) {
      await quickInput().getByText(prompt).waitFor({ timeout: 15_000 });
      await quickInput().locator('input.input').fill(value);
      await page.keyboard.press('Enter');
    }
    await toasts(`Docker is ready for ${apps}`).waitFor({ timeout: 60_000 });
  }

  /**
   * Waits for the sign-in's progress notification to go and the others to finish fading in, and takes the
   * pointer and focus off the status bar (a hovered or focused item shows its tooltip), so a screenshot shows
   * the notifications and the item.
   */
  async function settle(): Promise<void> {
    await toasts('Logging Docker in to').first().waitFor({ state: 'detached', timeout: 60_000 });
    await page.locator('.notification-toast:not(.notification-fade-in-done)').first().waitFor({ state: 'hidden' });
    await page.locator('.part.editor').click();
    await page.locator('.workbench-hover').first().waitFor({ state: 'detached' });
  }

  /** Clicks the status bar item and picks "Renew <label>" in the quick pick it opens. */
  async function renewFromStatusBar(label: string): Promise<void> {
    await item.click();
    await quickInput().locator('.monaco-list-row').filter({ hasText: `Renew ${label}` }).click({ timeout: 15_000 });
  }

  /** What Docker's config holds for the registry (never printed: it is a credential). */
  async function dockerAuth(loginServer: string): Promise<string | undefined> {
    const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> };
    return config.auths?.[loginServer]?.auth;
  }

  it("signed out from VS Code's Accounts menu, renewing says so once, and Sign In in that notification brings Docker back", async () => {
    await signInWithVsCodeAccount(page, 'contosoapps');
    await item.getByText(/ACR contosoapps/).waitFor({ timeout: 15_000 });
    const handedToDocker = await dockerAuth(apps);
    assert.ok(handedToDocker, `Docker's config has no credential for ${apps}`);

    // The Accounts menu of the activity bar: the account, then Sign Out, which VS Code asks to confirm.
    await page.locator('.part.activitybar').getByRole('button', { name: 'Accounts' }).click();
    const menu = page.locator('.context-view .monaco-menu');
    await menu.getByText(/alice@contoso\.example \(Microsoft Sovereign Cloud/).hover({ timeout: 15_000 });
    const signOut = menu.getByRole('menuitem', { name: 'Sign Out' });
    await signOut.hover({ timeout: 15_000 });
    await saveScreenshot(page, 'renewal-problems-1-accounts-menu');
    // The highlighted menu item runs on Enter (a synthetic click can land while the submenu is still opening).
    await page.keyboard.press('Enter');
    await dialog().getByRole('button', { name: 'Sign Out' }).click({ timeout: 15_000 });
    await dialog().waitFor({ state: 'detached' });

    await clearNotifications();
    await renewFromStatusBar('contosoapps');
    const problem = toasts("Docker's credentials for contosoapps could not be renewed.");
    await problem.waitFor({ timeout: 60_000 });
    assert.match(await problem.innerText(), /not signed in to Microsoft.* in VS Code\. Sign in again/);
    await waitForColours(item, 'error');
    assert.equal(await item.locator('.codicon-error').count(), 1);
    await settle();
    assert.equal(await toasts('could not be renewed').count(), 1);
    const withSignIn = page.locator('.notification-toast').filter({ has: page.getByRole('button', { name: 'Sign In Again', exact: true }) });
    assert.equal(await withSignIn.count(), 1, 'one notification offers Sign In Again');
    await saveScreenshot(page, 'renewal-problems-2-signed-out');

    await problem.getByRole('button', { name: 'Sign In Again', exact: true }).click();
    await dialog().getByText(/wants to sign in using Microsoft/).waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'renewal-problems-3-sign-in-again');
    await dialog().getByRole('button', { name: 'Allow' }).click();
    // The renewal that follows gives Docker a new credential (the status bar looks normal already while it runs).
    await waitFor(async () => (await dockerAuth(apps)) !== handedToDocker, 60_000, () => 'Docker was not given a new credential after signing in again');
    await waitForColours(item, 'normal');
    assert.equal(await item.locator('.codicon-key').count(), 1);
    await item.getByText(/ACR contosoapps \dh \d+m/).waitFor();
    await settle();
    await saveScreenshot(page, 'renewal-problems-4-back');

    const { stdout } = await run('docker', ['pull', `${apps}/hello:v1`], { env: { ...process.env, DOCKER_CONFIG: dockerConfig }, timeout: 120_000 });
    assert.match(stdout, /Downloaded newer image|Image is up to date/);
  });

  it('notices an admin password regenerated elsewhere: the registry refused it, said once, with Sign In', async () => {
    const management = registryManagement();
    const credentials = await management.registries.listCredentials('apps-rg', 'contosoapps');
    const password = credentials.passwords?.find((candidate) => candidate.name === 'password')?.value;
    assert.ok(credentials.username === 'contosoapps' && password, 'ARM gave no admin user name and password');
    await signInWithPassword('Admin user', credentials.username, password);
    await item.getByText(`ACR ${apps}`).waitFor({ timeout: 15_000 });
    assert.equal(await colours(item), 'normal');

    // The first check of the new login may still be under way: whichever check meets the new password tells the user.
    await clearNotifications();
    await management.registries.regenerateCredential('apps-rg', 'contosoapps', { name: 'password' });
    await renewFromStatusBar(apps);
    const problem = toasts(`Docker's credentials for ${apps} could not be renewed.`);
    await problem.waitFor({ timeout: 60_000 });
    assert.match(await problem.innerText(), /refused the username and password/);
    await problem.getByRole('button', { name: 'Sign In', exact: true }).waitFor();
    assert.equal(await toasts('could not be renewed').count(), 1);
    await waitForColours(item, 'error');
    assert.equal(await item.locator('.codicon-error').count(), 1);
    await settle();
    await saveScreenshot(page, 'renewal-problems-5-admin-password-regenerated');

    // Sign In in the notification opens ACR: Sign In; with the new password Docker works again.
    const regenerated = (await management.registries.listCredentials('apps-rg', 'contosoapps')).passwords?.find((candidate) => candidate.name === 'password')?.value;
    assert.ok(regenerated, 'ARM gave no new admin password');
    await problem.getByRole('button', { name: 'Sign In', exact: true }).click();
    await signInWithPassword('Admin user', credentials.username, regenerated, false);
    await waitForColours(item, 'normal');
    assert.equal(await item.locator('.codicon-key').count(), 1);
  });

  it('shows a repository token whose password expires within the warning days in warning colours, with a warning notification', async () => {
    const management = registryManagement();
    const tokenId = `/subscriptions/${devSubscription}/resourceGroups/apps-rg/providers/Microsoft.ContainerRegistry/registries/contosoapps/tokens/hellopuller`;
    const generated = await management.registries.beginGenerateCredentialsAndWait('apps-rg', 'contosoapps', {
      tokenId,
      name: 'password1',
      expiry: new Date(Date.now() + 3 * dayMs),
    });
    const password = generated.passwords?.find((candidate) => candidate.name === 'password1')?.value;
    assert.ok(password, 'ARM gave no new token password');

    // The VS Code account lets the extension read from ARM when the token's password expires.
    await signInWithVsCodeAccount(page, 'contosonoarm');
    await signInWithPassword('Repository-scoped token', 'hellopuller', password);

    const warning = toasts('The password of repository token hellopuller');
    await warning.waitFor({ timeout: 60_000 });
    assert.match(await warning.innerText(), new RegExp(`for ${apps.replace(/\./g, '\\.')} expires `));
    await waitForColours(item, 'warning');
    await item.getByText(`ACR ${apps} 2d 23h`).waitFor();
    assert.equal(await item.locator('.codicon-warning').count(), 1);
    await settle();
    await saveScreenshot(page, 'renewal-problems-6-token-password-expiring');
  });
});
