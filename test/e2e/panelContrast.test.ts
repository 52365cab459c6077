import * as assert from 'node:assert/strict';
import { FrameLocator, Locator, Page } from 'playwright-core';
import { clearNotifications, EmulatorWorkbench, expandRow, openEmulatorWorkbench, openRegistriesView, resizeSideBar, runFromContextMenu, saveScreenshot, screenshotIfFailed, signInWithVsCodeAccount } from './workbench';

/** WCAG 2's contrast ratio of two sRGB colours given as [r, g, b] in 0-255. */
function contrastRatio(a: number[], b: number[]): number {
  const luminance = ([r, g, b]: number[]) => {
    const [lr, lg, lb] = [r, g, b].map((channel) => {
      const value = channel / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The colours an element is drawn with, as computed inside the webview: its text, the `::before` icon, and the
 * background behind it (the first ancestor with one, else the editor's background the webview sits on).
 */
async function colours(element: Locator): Promise<{ text: number[]; icon: number[]; background: number[] }> {
  // No named functions inside: the test runner's compiler would wrap them in a __name helper the webview lacks.
  const [text, icon, ...behind] = await element.evaluate((node) => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--vscode-editor-background)';
    document.body.append(probe);
    const ancestors: Element[] = [];
    for (let at: Element | null = node; at; at = at.parentElement) ancestors.push(at);
    const found = [getComputedStyle(node).color, getComputedStyle(node, '::before').color, ...ancestors.map((at) => getComputedStyle(at).backgroundColor), getComputedStyle(probe).color];
    probe.remove();
    return found;
  });
  const rgb = (colour: string) => (colour.match(/[\d.]+/g) ?? []).map(Number);
  const background = behind.map(rgb).find((colour) => colour.length === 3 || colour[3] > 0)!;
  return { text: rgb(text).slice(0, 3), icon: rgb(icon).slice(0, 3), background: background.slice(0, 3) };
}

describe("The token password panel's buttons and success text", () => {
  let workbench: EmulatorWorkbench;
  let page: Page;
  /** The password panel's page: VS Code puts a webview's content in an iframe inside the webview's own iframe. */
  const panel = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  before(async () => {
    workbench = await openEmulatorWorkbench();
    page = workbench.page;
  });
  afterEach(screenshotIfFailed(() => page));
  after(async () => {
    await workbench?.close();
  });

  it('Create Token... opens the panel: Copy, Test and Sign In Docker in one row, Copy and Test of one width with a gap', async () => {
    // In the component fixture alice is a Contributor on contosonoarm, which lets her write tokens there.
    await signInWithVsCodeAccount(page, 'contosonoarm');
    const tree = await openRegistriesView(page);
    await resizeSideBar(page, 360);
    await clearNotifications(page);
    const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    await expandRow(row(/^Registry contosonoarm, /));
    await expandRow(row('Tokens'));
    await runFromContextMenu(row('Tokens'), 'Create Token...');
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.getByText(/^Token name /).waitFor({ timeout: 30_000 });
    await quickInput.locator('input').fill('contrast');
    await page.keyboard.press('Enter');
    await quickInput.getByRole('option', { name: /^_repositories_pull/ }).click({ timeout: 30_000 });
    await quickInput.getByText(/^Password expiry: /).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await panel().getByRole('heading', { name: /^Token contrast on / }).waitFor({ timeout: 60_000 });

    const [copy, test, signIn] = await Promise.all(['Copy', 'Test', 'Sign In Docker on This Machine'].map((name) => panel().getByRole('button', { name, exact: true }).first().boundingBox()));
    assert.ok(copy && test && signIn, 'a button of the password is not showing');
    assert.equal(Math.round(copy.width), Math.round(test.width), 'Copy and Test differ in width');
    assert.deepEqual([test.y, signIn.y], [copy.y, copy.y], 'the buttons are not in one row');
    assert.ok(test.x - (copy.x + copy.width) >= 4 && signIn.x - (test.x + test.width) >= 4, 'buttons touch');
  });

  it('"Copied." has a contrast of 4.5:1 or more with its background, its icon 3:1, in the light, dark and high-contrast themes', async () => {
    // The class VS Code gives a webview's body in each kind of theme, with the theme's colours as CSS variables.
    const themes = { 'Default Light Modern': 'vscode-light', 'Default Dark Modern': 'vscode-dark', 'Default High Contrast': 'vscode-high-contrast' };
    const measured: string[] = [];
    const tooLow: string[] = [];
    for (const [theme, kind] of Object.entries(themes)) {
      await workbench.updateSettings({ 'workbench.colorTheme': theme });
      await page.getByRole('tab', { name: /^Token contrast: new password1/ }).click();
      await panel().locator(`body.${kind}`).waitFor({ timeout: 30_000 });
      const status = panel().locator('#status');
      await panel().getByRole('button', { name: 'Copy', exact: true }).first().click();
      await status.and(panel().locator('.ok')).waitFor({ timeout: 30_000 });
      assert.equal(await status.innerText(), 'Copied.');
      const seen = await colours(status);
      const text = contrastRatio(seen.text, seen.background);
      const icon = contrastRatio(seen.icon, seen.background);
      await saveScreenshot(page, `panel-contrast-${theme.toLowerCase().replace(/ /g, '-')}`);
      const line = `${theme}: text rgb(${seen.text.join(',')}) ${text.toFixed(2)}:1, icon rgb(${seen.icon.join(',')}) ${icon.toFixed(2)}:1 on rgb(${seen.background.join(',')})`;
      measured.push(line);
      if (text < 4.5 || icon < 3) tooLow.push(line);
    }
    console.log(`      ${measured.join('\n      ')}`);
    assert.deepEqual(tooLow, [], 'below 4.5:1 for text or 3:1 for the icon');
  });
});
