// What a developer is told when a role is missing, said before anything is asked, naming the role for the
// case (docs/protocol.md sections 7 and 8). The demo world: alice is Reader of Contoso Production (and AcrPull
// on contosoprod), Owner of Contoso Development, which holds the ABAC registry contosoabac where she has no
// repository role.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { Locator, Page } from 'playwright-core';
import { projectRoot } from '../world/codeServer';
import {
  clearNotifications,
  collapseRow,
  EmulatorWorkbench,
  expandRow,
  moveMouseAway,
  notification,
  openEmulatorWorkbench,
  openRegistriesView,
  resizeSideBar,
  runFromContextMenu,
  runFromPalette,
  saveScreenshot,
  screenshotIfFailed,
  signInWithVsCodeAccount,
} from './workbench';

const demoFixture = join(projectRoot, 'test/emulator/defaultFixture.json');

describe('A developer with too few roles is told which role, before any question', () => {
  let workbench: EmulatorWorkbench;
  let page: Page;
  let tree: Locator;
  const row = (name: RegExp): Locator => tree.getByRole('treeitem', { name });
  const quickInput = (): Locator => page.locator('.quick-input-widget');

  before(async () => {
    workbench = await openEmulatorWorkbench(() => ({}), { fixture: demoFixture });
    ({ page } = workbench);
    await signInWithVsCodeAccount(page, 'contosoprod');
    tree = await openRegistriesView(page);
    await resizeSideBar(page, 520);
    await clearNotifications(page);
    await expandRow(row(/^Tenant Contoso /));
  });
  afterEach(screenshotIfFailed(() => page));
  after(() => workbench?.close());

  it('as Reader, Create Token... says at once that creating tokens needs write access and names Contributor; nothing is asked', async () => {
    await expandRow(row(/^Subscription Contoso Production /));
    await expandRow(row(/^Registry contosoprod, /));
    await runFromContextMenu(row(/^Tokens$/), 'Create Token...');
    const refused = notification(page, /Creating tokens in registry contosoprod needs write access \(/);
    await refused.waitFor({ timeout: 30_000 });
    const text = await refused.innerText();
    assert.match(text, /needs write access \(Microsoft\.ContainerRegistry\/registries\/tokens\/write, [^)]*\), which your account does not have\. Ask an owner of registry contosoprod for Contributor\./);
    assert.equal(await quickInput().isVisible(), false, 'a question was asked');
    await saveScreenshot(page, 'permissions-1-reader-create-token');
    await clearNotifications(page);
    await collapseRow(row(/^Subscription Contoso Production /));
  });

  it('as Owner, Create Token... goes on to its first question', async () => {
    await expandRow(row(/^Subscription Contoso Development /));
    await expandRow(row(/^Registry contosodev, /));
    await runFromContextMenu(row(/^Tokens$/), 'Create Token...');
    await quickInput().getByText(/^Token name \(it is the user name for docker login\)\./).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
    await quickInput().waitFor({ state: 'hidden' });
    await collapseRow(row(/^Registry contosodev, /));
  });

  it('on the ABAC registry the Owner of its subscription is told the repository roles, that she may assign them, never AcrPull, each error once', async () => {
    const abac = workbench.emulator.loginServer('contosoabac');
    const escaped = abac.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expandRow(row(/^Registry contosoabac, /));
    const catalogRefused = row(
      new RegExp(`^Error: Your account may not list the repositories of registry ${escaped}\\. You may assign roles on registry ${escaped}: assign yourself Container Registry Repository Catalog Lister there\\.`),
    );
    await catalogRefused.waitFor({ timeout: 30_000 });

    await row(/^Open Repository by Name\.\.\./).click();
    await quickInput().getByText('The repository name, such as team/api').waitFor();
    await quickInput().locator('input').fill('team-a/frontend');
    await page.keyboard.press('Enter');
    await quickInput().waitFor({ state: 'hidden' });
    const repository = tree.getByRole('treeitem', { name: `${abac}/team-a/frontend`, exact: true });
    await repository.waitFor({ timeout: 30_000 });
    // Opened by name, the repository is shown expanded.
    const readRefused = row(
      new RegExp(
        `^Error: Your account may not read repository team-a/frontend of registry ${escaped}\\. You may assign roles on registry ${escaped}: assign yourself Container Registry Repository Reader there, limited to repository team-a/frontend\\.`,
      ),
    );
    await readRefused.waitFor({ timeout: 30_000 });
    await moveMouseAway(page);
    await saveScreenshot(page, 'permissions-2-abac-tree');

    const errors = (await tree.getByRole('treeitem', { name: /^Error: / }).evaluateAll((rows) => rows.map((element) => element.getAttribute('aria-label') ?? ''))).map((label) => label.replace(/, retry after .*$/, ''));
    assert.deepEqual(errors, [...new Set(errors)], 'an error is shown twice');
    assert.doesNotMatch(errors.join('\n'), /AcrPull|AcrPush/);

    await runFromContextMenu(repository, 'Delete Repository...');
    const refused = notification(page, /Deleting repository team-a\/frontend needs delete access/);
    await refused.waitFor({ timeout: 30_000 });
    assert.match(
      await refused.innerText(),
      /needs delete access \(repository:team-a\/frontend:delete\), which your account does not have\. You may assign roles on registry contosoabac: assign yourself Container Registry Repository Contributor there, limited to repository team-a\/frontend\./,
    );
    assert.doesNotMatch(await refused.innerText(), /AcrPull|AcrDelete/);
    await saveScreenshot(page, 'permissions-3-abac-owner-delete');
  });
});

describe('A developer with repository roles on an ABAC registry ARM does not show him is told the repository roles', () => {
  let workbench: EmulatorWorkbench;
  let page: Page;
  let tree: Locator;
  const row = (name: RegExp): Locator => tree.getByRole('treeitem', { name });

  before(async () => {
    // bob sees no registry in ARM: he types contosoabac's login server, which he trusts.
    workbench = await openEmulatorWorkbench((emulator) => ({ 'acrAccess.trustedHosts': [emulator.loginServer('contosoabac')] }), { fixture: demoFixture, accounts: ['bob'] });
    ({ page } = workbench);
  });
  afterEach(screenshotIfFailed(() => page));
  after(() => workbench?.close());

  it('the catalog names Catalog Lister and a repository he may not read names Repository Reader on it, each once, never AcrPull', async () => {
    const abac = workbench.emulator.loginServer('contosoabac');
    const escaped = abac.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const quickInput = page.locator('.quick-input-widget');
    await runFromPalette(page, 'ACR: Sign In');
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' }).click();
    const allow = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
    const pickerReady = quickInput.locator('input[placeholder^="No registries found"]');
    // The extension, then VS Code, ask which account; VS Code then asks whether the extension may use it.
    const bob = quickInput.locator('.monaco-list-row').filter({ hasText: 'bob@contoso.example' });
    for (let steps = 0; ; steps++) {
      await allow.or(pickerReady).or(bob).first().waitFor({ timeout: 30_000 });
      if (await pickerReady.isVisible()) break;
      assert.ok(steps < 4, 'the sign-in kept asking');
      await (await allow.isVisible() ? allow : bob).click();
    }
    await pickerReady.fill(abac);
    // In a multi-select quick pick, clicking a row ticks its box.
    await quickInput.locator('.monaco-list-row').filter({ hasText: abac }).click();
    await quickInput.getByText('1 Selected').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast').filter({ hasText: /Docker is ready for / }).waitFor({ timeout: 60_000 });
    await clearNotifications(page);

    tree = await openRegistriesView(page);
    await resizeSideBar(page, 520);
    await expandRow(row(new RegExp(`^Registry ${escaped}`)));
    await row(new RegExp(`^Error: Your account may not list the repositories of registry ${escaped}\\. Ask an owner of registry ${escaped} for Container Registry Repository Catalog Lister\\.`)).waitFor({ timeout: 30_000 });

    await row(/^Open Repository by Name\.\.\./).click();
    await quickInput.getByText('The repository name, such as team/api').waitFor();
    await quickInput.locator('input').fill('team-b/reports');
    await page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });
    await row(
      new RegExp(`^Error: Your account may not read repository team-b/reports of registry ${escaped}\\. Ask an owner of registry ${escaped} for Container Registry Repository Reader on repository team-b/reports\\.`),
    ).waitFor({ timeout: 30_000 });
    await moveMouseAway(page);
    await saveScreenshot(page, 'permissions-4-abac-repository-roles');

    const errors = await tree.getByRole('treeitem', { name: /^Error: / }).evaluateAll((rows) => rows.map((element) => element.getAttribute('aria-label') ?? ''));
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.deepEqual(errors, [...new Set(errors)], 'an error is shown twice');
    assert.doesNotMatch(errors.join('\n'), /AcrPull|AcrPush/);
  });
});
