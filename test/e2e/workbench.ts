import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../world/browser';
import { buildForTests } from '../world/build';
import { CodeServer, CodeServerOptions, projectRoot, startCodeServer } from '../world/codeServer';
import { RunningEmulator, startEmulator } from '../world/emulator';
import { emulatorWorkbench } from '../world/emulatorWorkbench';

export const artifactsDir = join(projectRoot, 'artifacts/e2e');

export interface Workbench {
  readonly page: Page;
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
    await page.goto(server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]));
    // The extension's activity bar entry shows once its contributions (and so its commands) are loaded.
    await page.getByRole('tab', { name: 'ACR Access' }).waitFor({ timeout: 60_000 });
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface EmulatorWorkbench extends Workbench {
  readonly emulator: RunningEmulator;
  /** The DOCKER_CONFIG of the workbench's processes, so nobody's own ~/.docker is touched. */
  readonly dockerConfig: string;
  /** Stops the workbench (its extension host shuts down, flushing what it buffered) and keeps the emulator. */
  closeWorkbench(): Promise<void>;
}

/**
 * The emulator (component fixture) and a signed-out workbench reaching it as a custom cloud, as its user
 * alice, with a Docker config of its own and these settings added; close() stops and removes all of it.
 */
export async function openEmulatorWorkbench(
  settings: (emulator: RunningEmulator) => Record<string, unknown> = () => ({}),
  serverOptions: Pick<CodeServerOptions, 'telemetryAllowed'> = {},
): Promise<EmulatorWorkbench> {
  const emulator = await startEmulator({ fixture: join(projectRoot, 'test/emulator/fixtures/component.json') });
  const dockerConfig = await mkdtemp(join(tmpdir(), 'acr-e2e-docker-config-'));
  const removeAll = async (): Promise<void> => {
    await emulator.stop();
    await rm(dockerConfig, { recursive: true, force: true });
  };
  try {
    const options = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: false, autoApprove: true, dockerConfig });
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
  await palette.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
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
