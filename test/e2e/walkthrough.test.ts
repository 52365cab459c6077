import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Locator, Page } from 'playwright-core';
import {
  clearNotifications,
  EmulatorWorkbench,
  expandRow,
  notification,
  openEmulatorWorkbench,
  openRegistriesView,
  runFromContextMenu,
  saveScreenshot,
  screenshotIfFailed,
  signInWithVsCodeAccount,
} from './workbench';

const run = promisify(execFile);

/** The steps of the Get Started walkthrough, by their ids in package.json. */
const steps = ['signIn', 'logInDocker', 'pullImage', 'createToken', 'statusBar'] as const;

describe('A developer new to ACR Access follows the Get Started walkthrough', () => {
  let workbench: EmulatorWorkbench;
  let page: Page;
  let apps: string | undefined;

  /** The walkthrough's page in the editor area. */
  const walkthrough = (): Locator => page.locator('.gettingStartedContainer').filter({ hasText: 'Get Started with ACR Access' });
  /** A step's entry in the walkthrough's list (VS Code's id for it is `<extension id>#<walkthrough id>#<step id>`). */
  const step = (id: (typeof steps)[number]): Locator => walkthrough().locator(`button.getting-started-step[data-step-id="acraccess.acr-access#gettingStarted#${id}"]`);
  const ticked = async (): Promise<string[]> => {
    const done: string[] = [];
    for (const id of steps) if ((await step(id).getAttribute('aria-checked')) === 'true') done.push(id);
    return done;
  };
  const waitForTicked = async (id: (typeof steps)[number]): Promise<void> => {
    await step(id).and(page.locator('[aria-checked="true"]')).waitFor({ timeout: 30_000 });
  };

  before(async () => {
    // A fresh user-data dir with the extension's own default: the test world turns the walkthrough off elsewhere.
    workbench = await openEmulatorWorkbench(() => ({ 'acrAccess.showWalkthrough': undefined }));
    page = workbench.page;
    apps = workbench.emulator.loginServer('contosoapps');
  });
  afterEach(screenshotIfFailed(() => page));
  after(async () => {
    await workbench?.close();
    if (apps) await run('docker', ['rmi', '--force', `${apps}/hello:v1`]).catch(() => undefined);
  });

  it('opens by itself in a fresh install, with its five steps', async () => {
    await walkthrough().waitFor({ timeout: 60_000 });
    for (const id of steps) await step(id).waitFor();
    assert.deepEqual(
      await walkthrough().locator('button.getting-started-step .step-title').allInnerTexts(),
      ['Sign in to Azure', 'Log Docker in to your registries', 'Find an image and pull it', 'Create a scoped token', 'Understand the status bar'],
    );
    await saveScreenshot(page, 'walkthrough-1-opened');
  });

  it('ticks off sign-in, Docker login, a pull from the tree and the status bar as each really happens', async () => {
    await walkthrough().waitFor({ timeout: 60_000 });
    assert.deepEqual(await ticked(), []);

    await signInWithVsCodeAccount(page, 'contosoapps');
    await waitForTicked('signIn');
    await waitForTicked('logInDocker');
    assert.deepEqual(await ticked(), ['signIn', 'logInDocker']);
    await clearNotifications(page);

    const tree = await openRegistriesView(page);
    const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    await expandRow(row(/^Registry contosoapps, /));
    await expandRow(row(`${apps}/hello`));
    // Browsing alone ticks nothing: the step is done when an image has been pulled.
    assert.deepEqual(await ticked(), ['signIn', 'logInDocker']);
    await runFromContextMenu(row(/^Tag v1, /), 'Pull Image');
    await notification(page, new RegExp(`Pulled ${apps}/hello:v1 `)).waitFor({ timeout: 120_000 });
    await waitForTicked('pullImage');
    await clearNotifications(page);

    // A click on the status bar item, as the step asks.
    await page.locator('.part.statusbar [id="acraccess.acr-access.acrAccess.expiry"]').click();
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.getByText('ACR Access: Docker Credentials').waitFor();
    await page.keyboard.press('Escape');
    await waitForTicked('statusBar');

    // The scoped-token step ticks on acrAccess.createToken, a command another part of the extension brings.
    assert.deepEqual(await ticked(), ['signIn', 'logInDocker', 'pullImage', 'statusBar']);
    await saveScreenshot(page, 'walkthrough-2-ticked');
  });
});
