import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../world/browser';
import { buildForTests } from '../world/build';
import { CodeServer, CodeServerOptions, projectRoot, startCodeServer } from '../world/codeServer';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { emulatorWorkbench } from '../world/emulatorWorkbench';
import { waitFor } from '../world/processes';

export const artifactsDir = join(projectRoot, 'artifacts/e2e');

export interface Workbench {
  readonly page: Page;
  /** Changes user settings as an edit of settings.json would (a value of undefined removes one). */
  updateSettings(settings: Record<string, unknown>): Promise<void>;
  /** code-server's user data folder (logs, settings.json, storage); removed by close(). */
  readonly userDataDir: string;
  /** What the extension wrote to its log (the ACR Access output channel's file). */
  extensionLog(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real workbench in Chromium with the extension under development loaded as a user would have it:
 * no test entry point, so nothing runs in test mode and dialogs really show.
 */
export async function openWorkbench(options: CodeServerOptions = {}): Promise<Workbench> {
  buildForTests();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server?.stop();
  };
  try {
    server = await startCodeServer(options);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // The workbench's first load takes far longer than Playwright's 30 s default on a busy 2-core machine.
    await page.goto(server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]), { waitUntil: 'commit', timeout: 120_000 });
    // The extension's activity bar entry shows once its contributions (and so its commands) are loaded.
    await page.getByRole('tab', { name: 'ACR Access', exact: true }).waitFor({ timeout: 60_000 });
    const { userSettingsFile, extensionLog } = server;
    const updateSettings = (settings: Record<string, unknown>): Promise<void> => editUserSettings(page, userSettingsFile, settings);
    return { page, updateSettings, userDataDir: server.userDataDir, extensionLog, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Changes user settings as a user does, in the window's settings.json editor, and saves. code-server does not
 * pick up a change written to the file from outside the workbench, and another window of the same server
 * only reads the file again when it next opens it.
 */
export async function editUserSettings(page: Page, userSettingsFile: string, settings: Record<string, unknown>): Promise<void> {
  const current = JSON.parse(await readFile(userSettingsFile, 'utf8')) as Record<string, unknown>;
  const updated = JSON.stringify({ ...current, ...settings }, null, 2);
  await runFromPalette(page, 'Preferences: Open User Settings (JSON)');
  await page.locator('.editor-instance .monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(updated);
  const savedBefore = (await stat(userSettingsFile)).mtimeMs;
  await page.keyboard.press('ControlOrMeta+S');
  const saved = async (): Promise<boolean> => (await stat(userSettingsFile)).mtimeMs !== savedBefore && JSON.stringify(JSON.parse(await readFile(userSettingsFile, 'utf8')), null, 2) === updated;
  await waitFor(saved, 30_000, () => 'settings.json was not saved');
  await page.keyboard.press('ControlOrMeta+W');
}

export interface EmulatorWorkbench extends Workbench {
  readonly emulator: RunningEmulator;
  /** The DOCKER_CONFIG of the workbench's processes, so nobody's own ~/.docker is touched. */
  readonly dockerConfig: string;
  /** Stops the workbench (its extension host shuts down, flushing what it buffered) and keeps the emulator. */
  closeWorkbench(): Promise<void>;
}

export const componentFixture = join(projectRoot, 'test/emulator/fixtures/component.json');

/**
 * The emulator (component fixture, unless another fixture file or object is given) and a signed-out workbench
 * reaching it as a custom cloud, as its user alice (or with VS Code holding the `accounts` given), with a Docker
 * config of its own and these settings added; close() stops and removes all of it.
 */
export async function openEmulatorWorkbench(
  settings: (emulator: RunningEmulator) => Record<string, unknown> = () => ({}),
  { fixture = componentFixture, accounts, ...serverOptions }: { fixture?: string | object; accounts?: readonly string[] } & Pick<CodeServerOptions, 'telemetryAllowed'> = {},
): Promise<EmulatorWorkbench> {
  const emulator = await startEmulator({ fixture });
  const dockerConfig = await mkdtemp(join(tmpdir(), 'acr-e2e-docker-config-'));
  const removeAll = async (): Promise<void> => {
    await emulator.stop();
    await rm(dockerConfig, { recursive: true, force: true });
  };
  try {
    const options = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: false, autoApprove: true, accounts, dockerConfig });
    const workbench = await openWorkbench({ ...options, ...serverOptions, settings: { ...options.settings, ...settings(emulator) } });
    return {
      ...workbench,
      emulator,
      dockerConfig,
      closeWorkbench: () => workbench.close(),
      close: async () => {
        await workbench.close();
        await removeAll();
      },
    };
  } catch (error) {
    await removeAll();
    throw error;
  }
}

/** Runs a command from the command palette, by keyboard, as a user would. */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const palette = page.locator('.quick-input-widget');
  await palette.locator('input').fill(`>${title}`);
  // Enter runs the highlighted row, and the palette rebuilds its list while commands and context keys arrive
  // (after a reload, say): the command must be the highlighted row, or Enter runs nothing (or another command).
  const highlighted = palette.locator('.quick-input-list .monaco-list-row.focused');
  const highlightedTitle = async (): Promise<string> => ((await highlighted.count()) === 1 ? (await highlighted.innerText()).split('\n')[0].trim() : '');
  // The title as given, or with the category VS Code shows before it ("View: Focus Status Bar").
  const isTitle = (shown: string): boolean => shown === title || shown.endsWith(`: ${title}`);
  await waitFor(async () => isTitle(await highlightedTitle()), 30_000, () => `the palette does not highlight ${title}`);
  await page.keyboard.press('Enter');
  // Taken: the palette closes, or the command's own question replaces it in the same widget (no ">" then).
  const paletteOpen = async (): Promise<boolean> => (await palette.isVisible()) && (await palette.locator('input').inputValue()).startsWith('>');
  const taken = (withinMs: number): Promise<void> => waitFor(async () => !(await paletteOpen()), withinMs, () => `Enter did not run ${title} from the palette`);
  // A user whose Enter was not taken presses it again.
  if (!(await taken(5_000).then(() => true, () => false))) await page.keyboard.press('Enter');
  await taken(10_000);
}

/** A mocha `afterEach` hook that saves what the user saw when a test failed, as artifacts/e2e/failed-<its title>.png. */
export function screenshotIfFailed(page: () => Page | undefined): Mocha.AsyncFunc {
  return async function (this: Mocha.Context) {
    const { currentTest } = this;
    const shown = page();
    if (currentTest?.state === 'failed' && shown) await saveScreenshot(shown, `failed-${currentTest.title}`);
  };
}

/** Saves what the user sees as artifacts/e2e/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * ACR: Sign In with VS Code's Microsoft account, allowing it when VS Code asks, and logging Docker in to one
 * registry; resolves once the extension says Docker is ready.
 */
export async function signInWithVsCodeAccount(page: Page, registry: string): Promise<void> {
  const quickInput = page.locator('.quick-input-widget');
  const dialog = page.locator('.monaco-dialog-box');
  await runFromPalette(page, 'ACR: Sign In');
  await quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' }).click();
  const registryRow = quickInput.locator('.monaco-list-row').filter({ hasText: registry });
  // VS Code asks only while the extension has no session; it may have one from an earlier journey.
  const allow = dialog.getByText(/wants to sign in using Microsoft/);
  await allow.or(registryRow).first().waitFor({ timeout: 30_000 });
  if (await allow.isVisible()) await dialog.getByRole('button', { name: 'Allow' }).click();
  // In a multi-select quick pick, clicking a row ticks its box.
  await registryRow.click({ timeout: 30_000 });
  await quickInput.getByText('1 Selected').waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.notification-toast').filter({ hasText: new RegExp(`Docker is ready for ${registry} until `) }).waitFor({ timeout: 60_000 });
}

/** A notification toast with this text, once it has finished sliding in (so a screenshot shows all of it). */
export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notification-toast.notification-fade-in-done').filter({ hasText: text });
}

/** Closes every notification, so the next step's are the only ones shown. */
export async function clearNotifications(page: Page): Promise<void> {
  await runFromPalette(page, 'Notifications: Clear All Notifications');
  await page.locator('.notification-toast').first().waitFor({ state: 'detached' });
}

/** The Registries view's tree, opening the ACR Access view from the activity bar if it is not showing. */
export async function openRegistriesView(page: Page): Promise<Locator> {
  const tree = page.locator('.part.sidebar').getByRole('tree', { name: 'Registries' });
  // Clicking the activity bar entry of the view that is showing would hide the side bar.
  if (!(await tree.isVisible())) await page.getByRole('tab', { name: 'ACR Access', exact: true }).click();
  await tree.waitFor();
  return tree;
}

/** Drags the side bar's edge so it is this many pixels wide, so long tree labels show whole in screenshots. */
export async function resizeSideBar(page: Page, width: number): Promise<void> {
  const sideBar = page.locator('.part.sidebar');
  const box = await sideBar.boundingBox();
  if (!box) throw new Error('the side bar is not showing');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
  await waitFor(async () => Math.abs(((await sideBar.boundingBox())?.width ?? 0) - width) < 8, 5_000, () => `the side bar did not become ${width} px wide`);
}

/** Expands a tree row (a click on a row that is already expanded would collapse it). */
export async function expandRow(row: Locator): Promise<void> {
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await row.and(row.page().locator('[aria-expanded="true"]')).waitFor();
}

/** Collapses a tree row. */
export async function collapseRow(row: Locator): Promise<void> {
  if ((await row.getAttribute('aria-expanded')) !== 'false') await row.click();
  await row.and(row.page().locator('[aria-expanded="false"]')).waitFor();
}

/**
 * Right-clicks a row and runs one item of its context menu. VS Code ignores clicks on a menu item during the
 * first 100 ms after the menu shows (so the right-click's own release cannot pick one): the pointer moves onto
 * the item, which focuses it, and Enter runs it.
 *
 * A menu closes when it loses focus, and an open walkthrough moves focus to its current step a moment after
 * some events (the command palette closing, for one); in a CI run the walkthrough's menu was gone before the
 * item could be picked. As a user would, the row is then right-clicked again, up to three times; each miss is
 * logged with what the menu held. A menu that never offers the item still fails.
 */
export async function runFromContextMenu(row: Locator, item: string): Promise<void> {
  const page = row.page();
  const menu = page.locator('.monaco-menu');
  const exactly = new RegExp(`^${item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    try {
      await menu.locator('.action-item').filter({ hasText: exactly }).hover({ timeout: 10_000 });
      break;
    } catch (error) {
      const held = (await menu.count()) > 0 ? `held ${JSON.stringify((await menu.locator('.action-item').allInnerTexts()).filter(Boolean))}` : 'did not show';
      if (attempt === 3) throw new Error(`the context menu of the row never offered ${item}: on the last right-click it ${held}`, { cause: error });
      console.log(`      (right-click ${attempt} for ${item}: the menu ${held}; right-clicking again)`);
      await page.keyboard.press('Escape');
    }
  }
  await menu.locator('.action-item.focused').filter({ hasText: exactly }).waitFor();
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'hidden' });
  // Left where the menu was, the pointer would rest on some row and raise its tooltip.
  await moveMouseAway(page);
}

/** Moves the pointer onto the empty editor area and waits for any tooltip it raised to go. */
export async function moveMouseAway(page: Page): Promise<void> {
  const editor = await page.locator('.part.editor').boundingBox();
  if (editor) await page.mouse.move(editor.x + editor.width / 2, editor.y + 20);
  await page.locator('.workbench-hover').first().waitFor({ state: 'hidden' });
}
