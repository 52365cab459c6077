import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunningEmulator } from '../world/emulator';
import { EmulatorWorkbench, openEmulatorWorkbench, runFromPalette, saveScreenshot, screenshotIfFailed } from './workbench';

const run = promisify(execFile);

describe('A developer signs in with their VS Code Microsoft account', () => {
  let workbench: EmulatorWorkbench;
  let emulator: RunningEmulator;
  let dockerConfig: string;

  before(async () => {
    // The repository-token journey types contosoapps' login server (127.0.0.1:<port>) by hand: trusted, as a user would.
    workbench = await openEmulatorWorkbench((started) => ({ 'acrAccess.trustedHosts': [started.loginServer('contosoapps')] }));
    ({ emulator, dockerConfig } = workbench);
  });
  afterEach(screenshotIfFailed(() => workbench?.page));
  after(() => workbench?.close());

  it('runs ACR: Sign In, allows the sign-in, picks two registries, and Docker is ready until a time it names', async () => {
    const { page } = workbench;
    await runFromPalette(page, 'ACR: Sign In');

    const quickInput = page.locator('.quick-input-widget');
    const vscodeAccount = quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' });
    await vscodeAccount.waitFor();
    await saveScreenshot(page, 'sign-in-1-how');
    await vscodeAccount.click();

    // VS Code's own dialog: the extension wants to sign in with the (emulated) Microsoft account.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText(/wants to sign in using Microsoft/).waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'sign-in-2-allow');
    await dialog.getByRole('button', { name: 'Allow' }).click();

    const apps = emulator.loginServer('contosoapps');
    for (const name of ['contosoapps', 'contosonoarm']) {
      // In a multi-select quick pick, clicking a row ticks its box.
      await quickInput.locator('.monaco-list-row').filter({ hasText: name }).click({ timeout: 30_000 });
    }
    await quickInput.getByText('2 Selected').waitFor();
    await saveScreenshot(page, 'sign-in-3-registries');
    await page.keyboard.press('Enter');

    const ready = page.locator('.notification-toast').filter({ hasText: /Docker is ready for .* until / });
    await ready.waitFor({ timeout: 60_000 });
    const text = await ready.innerText();
    assert.ok(text.includes('contosoapps') && text.includes('contosonoarm'), text);
    await saveScreenshot(page, 'sign-in-4-ready');

    const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    const { stdout } = await run('docker', ['pull', `${apps}/team/api:1.1`], { env, timeout: 120_000 });
    assert.match(stdout, /Downloaded newer image|Image is up to date/);
  });

  it('signs in with a repository-scoped token typed into the prompts, and Docker can pull only that repository', async () => {
    const { page } = workbench;
    const apps = emulator.loginServer('contosoapps');
    await runFromPalette(page, 'ACR: Sign In');
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Repository-scoped token' }).click();

    // Each prompt replaces the last in the same box: wait for its own words before typing.
    const answer = async (prompt: string, value: string): Promise<void> => {
      await quickInput.getByText(prompt).waitFor();
      await quickInput.locator('input.input').fill(value);
    };
    await answer('Login server of the registry', 'not a login server');
    await quickInput.getByText('a login server is a host name such as myregistry.azurecr.io').waitFor();
    await quickInput.locator('input.input').fill(apps);
    await quickInput.getByText('Login server of the registry').waitFor();
    await page.keyboard.press('Enter');
    await answer('Token name', 'hellopuller');
    await page.keyboard.press('Enter');
    await answer('Password', 'hello-token-password');
    await saveScreenshot(page, 'token-sign-in-1-password');
    await page.keyboard.press('Enter');

    await page.locator('.notification-toast').filter({ hasText: `Docker is ready for ${apps}` }).waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'token-sign-in-2-ready');

    const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    const { stdout } = await run('docker', ['pull', `${apps}/hello:v1`], { env, timeout: 120_000 });
    assert.match(stdout, /Downloaded newer image|Image is up to date/);
    await assert.rejects(run('docker', ['pull', `${apps}/team/web:2.0`], { env, timeout: 120_000 }), /denied|unauthorized/i);
  });
});
