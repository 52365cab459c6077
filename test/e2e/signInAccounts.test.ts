import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../world/processes';
import { EmulatorWorkbench, openEmulatorWorkbench, runFromPalette, saveScreenshot, screenshotIfFailed } from './workbench';

describe('A developer whose VS Code holds two Microsoft accounts', () => {
  let workbench: EmulatorWorkbench;

  before(async () => {
    workbench = await openEmulatorWorkbench(() => ({}), { accounts: ['alice', 'bob'] });
  });
  afterEach(screenshotIfFailed(() => workbench?.page));
  after(() => workbench?.close());

  /** ACR: Sign In with VS Code's account `username`, logging Docker in to `registry`. */
  async function signInAs(username: string, registry: string, screenshot?: string): Promise<void> {
    const { page } = workbench;
    const quickInput = page.locator('.quick-input-widget');
    await runFromPalette(page, 'ACR: Sign In');
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' }).click();
    const rows = quickInput.locator('.monaco-list-row');
    await rows.filter({ hasText: 'Another account...' }).waitFor({ timeout: 30_000 });
    assert.equal(await quickInput.locator('input').getAttribute('placeholder'), 'Which Microsoft account?');
    assert.deepEqual((await rows.allInnerTexts()).map((text) => text.trim()), ['alice@contoso.example', 'bob@contoso.example', 'Another account...']);
    if (screenshot) await saveScreenshot(page, screenshot);
    await rows.filter({ hasText: username }).click();
    const allow = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
    const registryRow = quickInput.locator('.monaco-list-row').filter({ hasText: registry });
    await allow.or(registryRow).first().waitFor({ timeout: 30_000 });
    if (await allow.isVisible()) await allow.click();
    await registryRow.click({ timeout: 30_000 });
    await quickInput.getByText('1 Selected').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast').filter({ hasText: new RegExp(`Docker is ready for ${registry} until `) }).waitFor({ timeout: 60_000 });
  }

  async function dockerAuth(registry: string): Promise<string | undefined> {
    const config = JSON.parse(await readFile(join(workbench.dockerConfig, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> };
    return config.auths?.[workbench.emulator.loginServer(registry)]?.auth;
  }

  it('ACR: Sign In offers both; each login keeps its account: renewals exchange as that account, and the tooltip names it', async () => {
    const { page, emulator } = workbench;
    await signInAs('bob@contoso.example', 'contosoapps', 'sign-in-accounts-1-which');
    await signInAs('alice@contoso.example', 'contosonoarm');

    const before = { contosoapps: await dockerAuth('contosoapps'), contosonoarm: await dockerAuth('contosonoarm') };
    await emulator.client.clearLog();
    await runFromPalette(page, 'ACR: Renew Docker Credentials Now');
    await waitFor(
      async () => (await dockerAuth('contosoapps')) !== before.contosoapps && (await dockerAuth('contosonoarm')) !== before.contosonoarm,
      90_000,
      () => 'Docker was not given new credentials for both registries',
    );
    const exchanges = (await emulator.client.log()).filter((entry) => entry.path === '/oauth2/exchange' && entry.status === 200);
    const callerAt = (registry: string): (string | undefined)[] => exchanges.filter((entry) => entry.host === emulator.loginServer(registry)).map((entry) => entry.caller);
    assert.deepEqual(callerAt('contosoapps'), ['bob']);
    assert.deepEqual(callerAt('contosonoarm'), ['alice']);

    await page.locator('.statusbar-item').filter({ hasText: /ACR \S+ \d+h/ }).first().hover();
    const tooltip = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'contosoapps' }).first();
    await tooltip.waitFor({ timeout: 15_000 });
    const text = await tooltip.innerText();
    assert.match(text, /contosoapps[^\n]*bob@contoso\.example/);
    assert.match(text, /contosonoarm[^\n]*alice@contoso\.example/);
    await saveScreenshot(page, 'sign-in-accounts-2-tooltip');
  });
});
