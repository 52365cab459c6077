import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../world/browser';
import { buildForTests } from '../world/build';
import { CodeServer, projectRoot, startCodeServer } from '../world/codeServer';

export const artifactsDir = join(projectRoot, 'artifacts/e2e');

export interface Workbench {
  readonly page: Page;
  close(): Promise<void>;
}

/**
 * The real workbench in Chromium with the extension under development loaded as a user would have it:
 * no test entry point, so nothing runs in test mode and dialogs really show.
 */
export async function openWorkbench(): Promise<Workbench> {
  buildForTests();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server?.stop();
  };
  try {
    server = await startCodeServer();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Saves what the user sees as artifacts/e2e/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
