import * as assert from 'node:assert/strict';
import { EmulatorWorkbench, saveScreenshot, screenshotIfFailed } from './workbench';
import { linkIn, logInThreeRegistriesAndRenewTwice, openPersonSignInWorkbench, opensPage, personPrompts, personTakesMs, startSignIn } from './personSignIn';

describe('A developer signs in in the browser, once', () => {
  let workbench: EmulatorWorkbench;

  before(async () => {
    workbench = await openPersonSignInWorkbench();
  });
  afterEach(screenshotIfFailed(() => workbench?.page));
  after(() => workbench?.close());

  it('opens one page, signed in there 45 s later; then three registries in two tenants, two renewals and a reload open no other page', async () => {
    const { page, emulator } = workbench;
    const opened = page.context().waitForEvent('page');
    await startSignIn(page, 'Browser');
    const signInPage = await opened;
    const progress = page.locator('.notification-toast').filter({ hasText: 'Signing in in your browser: finish in the page that opened' });
    await progress.waitFor({ timeout: 30_000 });
    const url = await linkIn(progress, 'open it again');
    assert.ok(url.startsWith(`${emulator.entra.authorityHost}/organizations/oauth2/v2.0/authorize?`), url.slice(0, 120));
    assert.ok(opensPage(signInPage.url(), url), signInPage.url());
    await signInPage.close();
    await saveScreenshot(page, 'browser-sign-in-1-waiting');
    await page.waitForTimeout(personTakesMs);
    assert.ok(await progress.isVisible(), `the sign-in still waits after ${personTakesMs / 1000} s`);

    // Alice signs in on that page in her own browser, which trusts the emulator's certificate authority.
    const browser = page.context().browser();
    assert.ok(browser);
    const alicesBrowser = await browser.newContext({ ignoreHTTPSErrors: true });
    const alicesPage = await alicesBrowser.newPage();
    await alicesPage.goto(url);
    await alicesPage.getByRole('combobox').selectOption({ label: 'Alice Example (alice@contoso.example)' });
    await alicesPage.getByRole('button', { name: 'Sign in' }).click();
    await alicesPage.getByText('Signed in. You can close this page and return to VS Code.').waitFor();
    await alicesBrowser.close();
    await progress.waitFor({ state: 'detached', timeout: 30_000 });

    await logInThreeRegistriesAndRenewTwice(workbench, 'browser-sign-in-2');
    assert.deepEqual(await personPrompts(emulator), { deviceCodes: 0, signInPages: 1 });
  });
});
