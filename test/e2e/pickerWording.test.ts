import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Page } from 'playwright-core';
import type { Fixture } from '../emulator/fixture';
import { componentFixture, EmulatorWorkbench, openEmulatorWorkbench, runFromPalette, saveScreenshot, screenshotIfFailed } from './workbench';

/**
 * The component fixture where alice may only pull from contosoapps (AcrPull, which lets ARM list nothing): her
 * account lists no registries, and she logs Docker in by typing the login server.
 */
function fixtureWithoutAlice(): Fixture {
  const fixture = JSON.parse(readFileSync(componentFixture, 'utf8')) as Fixture;
  const withoutAlice = <T extends { roles?: { identity: string }[] }>(scope: T): T => ({ ...scope, roles: (scope.roles ?? []).filter((role) => role.identity !== 'alice') });
  const pullOnly = <T extends { name: string; roles?: { identity: string }[] }>(registry: T): T =>
    registry.name === 'contosoapps' ? { ...registry, roles: [...(registry.roles ?? []), { identity: 'alice', role: 'AcrPull' }] } : registry;
  return { ...fixture, subscriptions: fixture.subscriptions.map(withoutAlice), registries: fixture.registries.map(withoutAlice).map(pullOnly) };
}

describe('Signing in with an account that lists no registries', () => {
  let workbench: EmulatorWorkbench;
  let page: Page;

  before(async () => {
    workbench = await openEmulatorWorkbench(undefined, { fixture: fixtureWithoutAlice() });
    page = workbench.page;
  });
  afterEach(screenshotIfFailed(() => page));
  after(async () => {
    await workbench?.close();
  });

  it('the registry picker says so in a placeholder that fits, and how to go on in its title', async () => {
    const quickInput = page.locator('.quick-input-widget');
    await runFromPalette(page, 'ACR: Sign In');
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' }).click();
    const input = quickInput.locator('input');
    const allow = page.locator('.monaco-dialog-box').getByText(/wants to sign in using Microsoft/);
    const placeholder = (text: string) => quickInput.locator(`input[placeholder="${text}"]`);
    await allow.or(placeholder('No registries found. Type a login server.')).first().waitFor({ timeout: 30_000 });
    if (await allow.isVisible()) await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' }).click();
    await placeholder('No registries found. Type a login server.').waitFor({ timeout: 60_000 });
    assert.match(await quickInput.locator('.quick-input-title').innerText(), /: this account lists no registries; type a login server, such as myregistry\.azurecr\.io$/);
    // Measured with the input's own font: the whole placeholder fits in the box.
    const room = await input.evaluate((box: HTMLInputElement) => {
      const style = getComputedStyle(box);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontSize} ${style.fontFamily}`;
      return { text: context.measureText(box.placeholder).width, box: box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) };
    });
    await saveScreenshot(page, 'picker-no-registries');
    assert.ok(room.text <= room.box, `the placeholder needs ${Math.round(room.text)} px and has ${Math.round(room.box)}`);
    await page.keyboard.press('Escape');
  });

  it('a login server typed into it, then Enter, logs Docker in to that registry', async () => {
    // The emulator's login servers are addresses, which no Azure token goes to unless the user trusts them by name.
    const loginServer = workbench.emulator.loginServer('contosoapps');
    await workbench.updateSettings({ 'acrAccess.trustedHosts': [loginServer] });
    const quickInput = page.locator('.quick-input-widget');
    await runFromPalette(page, 'ACR: Log In Docker to Registry...');
    await quickInput.locator('input[placeholder="No registries found. Type a login server."]').waitFor({ timeout: 60_000 });
    await quickInput.locator('input').fill(loginServer);
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Log in to this login server' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast').filter({ hasText: `Docker is ready for ${loginServer} until ` }).waitFor({ timeout: 60_000 });
  });
});
