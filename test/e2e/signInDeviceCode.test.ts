import * as assert from 'node:assert/strict';
import { EmulatorWorkbench, saveScreenshot, screenshotIfFailed } from './workbench';
import { linkIn, logInThreeRegistriesAndRenewTwice, openPersonSignInWorkbench, opensPage, personPrompts, personTakesMs, startSignIn } from './personSignIn';

describe('A developer signs in with a device code, once', () => {
  let workbench: EmulatorWorkbench;

  before(async () => {
    workbench = await openPersonSignInWorkbench();
  });
  afterEach(screenshotIfFailed(() => workbench?.page));
  after(() => workbench?.close());

  it('shows one code that stays until approved 45 s later; then three registries in two tenants, two renewals and a reload ask for no other code', async () => {
    const { page, emulator } = workbench;
    await startSignIn(page, 'Device code');

    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText(/Your sign-in code is /).waitFor({ timeout: 30_000 });
    const userCode = /Your sign-in code is (\S+)/.exec(await dialog.innerText())?.[1];
    assert.ok(userCode, 'the dialog names the code');
    assert.ok((await dialog.innerText()).includes(emulator.entra.deviceLoginUrl), 'the dialog names the page');
    await saveScreenshot(page, 'device-code-1-dialog');
    const opened = page.context().waitForEvent('page');
    await dialog.getByRole('button', { name: 'Copy Code and Open Page' }).click();
    const devicePage = await opened;
    assert.ok(opensPage(devicePage.url(), emulator.entra.deviceLoginUrl), devicePage.url());
    await devicePage.close();

    const progress = page.locator('.notification-toast').filter({ hasText: `Signing in with a device code: enter the code ${userCode} at` });
    await progress.waitFor();
    assert.equal(await linkIn(progress, emulator.entra.deviceLoginUrl), emulator.entra.deviceLoginUrl);
    // Meanwhile the Registries view says a sign-in is under way, not that the user is signed out.
    await page.getByRole('tab', { name: 'ACR Access', exact: true }).click();
    const welcome = page.locator('.part.sidebar .welcome-view-content');
    await welcome.waitFor({ timeout: 30_000 });
    assert.deepEqual(await welcome.locator('p').allInnerTexts(), ['Signing in... Finish the sign-in that VS Code or your browser asked for; your registries show here then.']);
    await saveScreenshot(page, 'device-code-2-waiting');
    await page.waitForTimeout(personTakesMs);
    assert.ok(await progress.isVisible(), `the code is still shown after ${personTakesMs / 1000} s`);
    assert.deepEqual(await personPrompts(emulator), { deviceCodes: 1, signInPages: 0 });

    // Alice approves in her own browser, which trusts the emulator's certificate authority.
    const browser = page.context().browser();
    assert.ok(browser);
    const alicesBrowser = await browser.newContext({ ignoreHTTPSErrors: true });
    const approval = await alicesBrowser.newPage();
    await approval.goto(emulator.entra.deviceLoginUrl);
    await approval.getByLabel('Code').fill(userCode);
    await approval.getByRole('combobox').selectOption({ label: 'Alice Example (alice@contoso.example)' });
    await approval.getByRole('button', { name: 'Sign in' }).click();
    await approval.getByText('Signed in.').waitFor();
    await alicesBrowser.close();
    await progress.waitFor({ state: 'detached', timeout: 30_000 });

    await logInThreeRegistriesAndRenewTwice(workbench, 'device-code-3');
    assert.deepEqual(await personPrompts(emulator), { deviceCodes: 1, signInPages: 0 });
  });
});
