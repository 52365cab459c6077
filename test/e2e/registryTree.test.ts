import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Locator, Page } from 'playwright-core';
import { callerOf } from '../component/emulatorRegistrySupport';
import { clients } from '../component/emulatorSupport';
import type { RunningEmulator } from '../world/emulator';
import { waitFor } from '../world/processes';
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

const run = promisify(execFile);

/** The aria-labels of the rows the tree shows, top to bottom; only those at this depth (1: top level) when given. */
async function rowLabels(tree: Locator, level?: number): Promise<string[]> {
  const rows = await tree.getByRole('treeitem').evaluateAll((elements) =>
    elements.map((element) => ({
      index: Number(element.getAttribute('data-index')),
      level: Number(element.getAttribute('aria-level')),
      label: element.getAttribute('aria-label') ?? '',
    })),
  );
  return rows
    .filter((row) => level === undefined || row.level === level)
    .sort((a, b) => a.index - b.index)
    .map((row) => row.label);
}

/** The rows of a quick pick, by their accessible names. */
async function optionLabels(page: Page): Promise<string[]> {
  return page.locator('.quick-input-widget').getByRole('option').evaluateAll((elements) => elements.map((element) => element.getAttribute('aria-label') ?? ''));
}

describe('A developer browses, pulls from and tidies registries in the Registries view', () => {
  let workbench: EmulatorWorkbench;
  let emulator: RunningEmulator;
  let page: Page;
  let tree: Locator;
  let apps: string;

  /** A tree row by its accessible name: `Tenant <name> (...)`, `Registry <registry>, <SKU>, <region>, ...`, `<login server>/<repository>`, `Tag <tag>, ...`. */
  const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });
  const registryRow = (name: string): Locator => row(new RegExp(`^Registry ${name}, `));
  const tagRow = (tag: string): Locator => row(new RegExp(`^Tag ${tag.replace(/\./g, '\\.')}, `));

  /** The registry's own tag list, read as the fixture's owner (not through the extension). */
  const registryTags = async (registry: string, repository: string): Promise<string[]> => {
    const owner = await callerOf(emulator, registry, clients.owner);
    const response = await fetch(`https://${emulator.loginServer(registry)}/v2/${repository}/tags/list`, { headers: { authorization: await owner.authorization([`repository:${repository}:pull`]) } });
    assert.equal(response.status, 200, await response.clone().text());
    return (((await response.json()) as { tags: string[] | null }).tags ?? []).sort();
  };

  before(async () => {
    workbench = await openEmulatorWorkbench(() => ({ 'acrAccess.tree.pageSize': 2 }));
    ({ emulator, page } = workbench);
    apps = emulator.loginServer('contosoapps');
  });
  afterEach(screenshotIfFailed(() => page));
  after(async () => {
    await workbench?.close();
    if (apps) await run('docker', ['rmi', '--force', `${apps}/hello:v1`]).catch(() => undefined);
  });

  it('signs in, shows both tenants, and pages the repositories of contosoapps with Load more...', async () => {
    await signInWithVsCodeAccount(page, 'contosoapps');
    tree = await openRegistriesView(page);
    await resizeSideBar(page, 520);

    await row(/^Tenant Fabrikam /).waitFor({ timeout: 30_000 });
    assert.deepEqual(
      (await rowLabels(tree, 1)).map((label) => label.replace(/ \(.*/, '')),
      ['Tenant Contoso', 'Tenant Fabrikam'],
    );
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    await expandRow(registryRow('contosoapps'));

    const loadMore = row(/^Load more\.\.\./);
    await loadMore.waitFor({ timeout: 30_000 });
    const repositories = async () => (await rowLabels(tree)).filter((label) => label.startsWith(`${apps}/`)).map((label) => label.slice(apps.length + 1));
    assert.deepEqual(await repositories(), ['hello', 'team/api']);

    await loadMore.click();
    await row(`${apps}/team/web`).waitFor({ timeout: 30_000 });
    assert.deepEqual(await repositories(), ['hello', 'team/api', 'team/web']);
    assert.equal(await loadMore.count(), 0, 'Load more... stays after the last page');
    await clearNotifications(page);
    await page.locator('.part.editor').click();
    await saveScreenshot(page, 'tree-1-registries');
  });

  it('pulls a tag from its context menu with progress, and the Docker engine then has the image', async () => {
    await expandRow(row(`${apps}/hello`));
    // The registry answers the first blob request 3 s late, so the progress notification stays long enough to be seen.
    await emulator.client.addFault({ server: 'registry:contosoapps', path: '^/v2/hello/blobs/', mode: 'slow', delayMs: 3000, times: 1 });
    await runFromContextMenu(tagRow('v1'), 'Pull Image');

    await page.locator('.notification-toast').filter({ hasText: `Pulling ${apps}/hello:v1` }).waitFor({ timeout: 30_000 });
    const pulled = notification(page, new RegExp(`Pulled ${apps}/hello:v1 \\(sha256:[0-9a-f]{64}\\)`));
    await pulled.waitFor({ timeout: 120_000 });
    await pulled.getByRole('button', { name: 'Copy Reference' }).waitFor();
    const digest = /\((sha256:[0-9a-f]{64})\)/.exec(await pulled.innerText())?.[1];
    await saveScreenshot(page, 'tree-2-pull');

    // The engine the workbench's processes use: DOCKER_HOST of this process, which code-server inherits.
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', `${apps}/hello:v1`], { env: process.env });
    assert.ok((JSON.parse(stdout) as string[]).includes(`${apps}/hello@${digest}`), `the engine's image has the digests ${stdout}`);
    await clearNotifications(page);
  });

  it('as a Reader, Untag... says at once which right is missing and which role grants it, asks nothing and sends nothing', async () => {
    await emulator.client.clearLog();
    await runFromContextMenu(tagRow('latest'), 'Untag...');
    const refused = notification(page, 'Removing tags in repository hello needs delete access (repository:hello:delete)');
    await refused.waitFor({ timeout: 30_000 });
    assert.match(await refused.innerText(), /AcrDelete/);
    assert.equal(await refused.locator('.codicon-error').count(), 1, 'not shown as an error');
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'a dialog asked first');
    assert.equal(await tagRow('latest').count(), 1, 'the tag left the tree');
    assert.deepEqual(await registryTags('contosoapps', 'hello'), ['latest', 'v1']);
    const deletes = (await emulator.client.log()).filter((entry) => entry.server === 'registry:contosoapps' && entry.method === 'DELETE');
    assert.deepEqual(deletes, []);
    await clearNotifications(page);
  });

  it('where alice may delete, Untag... asks in a modal dialog first: Cancel sends nothing and keeps the tag in the tree and in the registry', async () => {
    const noArm = emulator.loginServer('contosonoarm');
    // contosoapps has a tag v1 too: out of sight, so the only Tag v1 row is contosonoarm's.
    await collapseRow(registryRow('contosoapps'));
    await expandRow(registryRow('contosonoarm'));
    await expandRow(row(`${noArm}/hello`));
    await emulator.client.clearLog();
    await runFromContextMenu(tagRow('v1'), 'Untag...');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText(`Remove the tag ${noArm}/hello:v1?`).waitFor({ timeout: 30_000 });
    await dialog.getByText(/The image \(sha256:[0-9a-f]{64}\) stays in the registry; only this tag goes\./).waitFor();
    await saveScreenshot(page, 'tree-untag-dialog');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    assert.equal(await tagRow('v1').count(), 1, 'the tag left the tree');
    assert.deepEqual(await registryTags('contosonoarm', 'hello'), ['v1']);
    const deletes = (await emulator.client.log()).filter((entry) => entry.server === 'registry:contosonoarm' && entry.method === 'DELETE');
    assert.deepEqual(deletes, []);
  });

  it('a confirmed untag where alice may delete removes the tag from the tree and the registry, and keeps the image', async () => {
    const noArm = emulator.loginServer('contosonoarm');
    // contosoapps has a tag v1 too: out of sight, so the only Tag v1 row is contosonoarm's.
    await collapseRow(registryRow('contosoapps'));
    await expandRow(registryRow('contosonoarm'));
    await expandRow(row(`${noArm}/hello`));
    await runFromContextMenu(tagRow('v1'), 'Untag...');

    const dialog = page.locator('.monaco-dialog-box');
    const detail = await dialog.getByText(/The image \(sha256:[0-9a-f]{64}\) stays/).innerText();
    const digest = /sha256:[0-9a-f]{64}/.exec(detail)?.[0];
    await dialog.getByRole('button', { name: 'Untag', exact: true }).click();

    await notification(page, `Removed the tag ${noArm}/hello:v1.`).waitFor({ timeout: 30_000 });
    await row(/^No tags\./).waitFor();
    assert.equal(await tagRow('v1').count(), 0, 'the tag is still in the tree');
    assert.deepEqual(await registryTags('contosonoarm', 'hello'), []);
    const owner = await callerOf(emulator, 'contosonoarm', clients.owner);
    const manifest = await fetch(`https://${noArm}/v2/hello/manifests/${digest}`, { method: 'HEAD', headers: { authorization: await owner.authorization(['repository:hello:pull']) } });
    assert.equal(manifest.status, 200, 'the image went with its tag');
    await clearNotifications(page);
  });

  it('Find Repository... from the title bar: picks the registry, narrows as the user types, and reveals and selects the repository', async () => {
    // The user was just looking at a repository: VS Code hands a title bar command the tree's focused row.
    const noArmHello = row(`${emulator.loginServer('contosonoarm')}/hello`);
    await noArmHello.click();
    await tree.locator('.monaco-list-row.focused').and(noArmHello).waitFor();
    await page.getByRole('toolbar', { name: 'ACR Access: Registries actions' }).getByRole('button', { name: 'Find Repository...' }).click();
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.getByRole('option', { name: /^contosoapps/ }).click({ timeout: 30_000 });
    await quickInput.getByText('Find Repository in contosoapps').waitFor();
    await quickInput.getByRole('option', { name: 'hello', exact: true }).waitFor();

    await quickInput.locator('input').pressSequentially('team/w');
    await waitFor(async () => JSON.stringify(await optionLabels(page)) === JSON.stringify(['team/web']), 30_000, () => 'the quick pick did not narrow to team/web');
    await page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });

    const found = row(`${apps}/team/web`);
    await found.and(page.locator('[aria-selected="true"]')).waitFor({ timeout: 30_000 });
    await found.and(page.locator('[aria-expanded="true"]')).waitFor();
    await tagRow('2.0').waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'tree-3-find');
  });

  it('Select Subscriptions... hides an unticked subscription and the tenant level, says so, and ticking it brings both back', async () => {
    const pane = page.locator('.part.sidebar .pane');
    const quickInput = page.locator('.quick-input-widget');
    const fabrikamProd = (checked: boolean) => quickInput.getByRole('checkbox', { name: /^Fabrikam Prod, /, checked });

    await runFromPalette(page, 'ACR: Select Subscriptions...');
    await fabrikamProd(true).click({ timeout: 30_000 });
    await fabrikamProd(false).waitFor();
    await page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });
    await pane.getByText('Showing 1 of 2 subscriptions. Select Subscriptions... changes this.').waitFor();
    await row(/^Tenant /).first().waitFor({ state: 'detached' });
    assert.deepEqual(
      (await rowLabels(tree, 1)).map((label) => label.replace(/ \(.*/, '')),
      ['Subscription Contoso Dev'],
    );

    await runFromPalette(page, 'ACR: Select Subscriptions...');
    await fabrikamProd(false).click({ timeout: 30_000 });
    await fabrikamProd(true).waitFor();
    await page.keyboard.press('Enter');
    await row(/^Tenant Fabrikam /).waitFor();
    await row(/^Tenant Contoso /).waitFor();
    await pane.getByText(/Showing 1 of 2 subscriptions/).waitFor({ state: 'hidden' });
  });

  it('an ABAC registry whose catalog alice may not list offers Open Repository by Name..., names the repository role, and opens a repository by its name', async () => {
    const abac = emulator.loginServer('contosoabac');
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    await expandRow(registryRow('contosoabac'));
    const openByName = tree.getByRole('treeitem').filter({ hasText: 'Open Repository by Name...' });
    await openByName.waitFor({ timeout: 30_000 });
    const error = row(/^Error: .*Container Registry Repository Catalog Lister/);
    await error.waitFor();

    await openByName.click();
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.getByText('The repository name, such as team/api').waitFor();
    await quickInput.locator('input').fill('team/api');
    await page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });

    await row(`${abac}/team/api`).and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: 30_000 });
    await tagRow('1.0').waitFor({ timeout: 30_000 });
    // The error's tooltip has the whole message the row cuts short.
    await error.hover();
    await page.locator('.workbench-hover').filter({ hasText: 'Container Registry Repository Catalog Lister' }).waitFor();
    await saveScreenshot(page, 'tree-4-abac');
    await moveMouseAway(page);
  });

  it('with the keyboard only: arrow keys to a tag, Shift+F10, Copy Image Reference; the status bar says what was copied', async () => {
    const abac = emulator.loginServer('contosoabac');
    await runFromPalette(page, 'ACR Access: Focus on Registries View');
    await page.locator('.part.sidebar [role="tree"]:focus').waitFor();
    const focused = tree.locator('.monaco-list-row.focused');
    // The previous step left team/api of contosoabac selected; its tag 1.0 is a row or two below.
    for (let presses = 0; !/^Tag 1\.0, /.test((await focused.getAttribute('aria-label')) ?? ''); presses++) {
      assert.ok(presses < 10, `the arrow keys never reached tag 1.0 (at "${await focused.getAttribute('aria-label')}")`);
      await page.keyboard.press('ArrowDown');
    }

    await page.keyboard.press('Shift+F10');
    const menu = page.locator('.monaco-menu');
    await menu.waitFor();
    const focusedItem = menu.locator('.action-item.focused');
    // The menu opens with no item focused; each Down moves to the next item, over the separators.
    for (let presses = 0; (await focusedItem.allInnerTexts()).join() !== 'Copy Image Reference'; presses++) {
      assert.ok(presses < 10, 'the arrow keys never reached Copy Image Reference');
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    // Headless Chromium's clipboard cannot be read back: the extension's status bar message says what it copied.
    await page.locator('.part.statusbar').getByText(`Copied ${abac}/team/api:1.0`).waitFor({ timeout: 10_000 });
  });
});
