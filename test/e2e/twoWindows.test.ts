import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../world/browser';
import { buildForTests } from '../world/build';
import { jwtExpiresOn } from '../../src/acr/jwt';
import { CodeServer, projectRoot, startCodeServer } from '../world/codeServer';
import { LogEntry, RunningEmulator, startEmulator } from '../world/emulator';
import { emulatorWorkbench } from '../world/emulatorWorkbench';
import { waitFor } from '../world/processes';
import { editUserSettings, runFromPalette, saveScreenshot } from './workbench';

const contoso = '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001';
const devSubscription = '5eb50000-0000-4000-8000-000000000001';
const registryNames = Array.from({ length: 20 }, (_, i) => `pair${String(i + 1).padStart(2, '0')}`);
const usualRefreshSeconds = 3 * 3600;

/** alice, who may pull from 20 registries of one subscription (and so sees them listed by ARM). */
const fixture = {
  lifetimes: { devicePollIntervalSeconds: 1 },
  tenants: [{ id: contoso, displayName: 'Contoso', defaultDomain: 'contoso.example' }],
  identities: [{ name: 'alice', kind: 'user', displayName: 'Alice Example', username: 'alice@contoso.example', objectId: '0b1d0000-0000-4000-8000-000000000007', tenants: [contoso] }],
  subscriptions: [{ id: devSubscription, displayName: 'Contoso Dev', tenant: contoso }],
  registries: registryNames.map((name) => ({
    name,
    subscription: devSubscription,
    resourceGroup: 'apps-rg',
    location: 'eastus',
    sku: 'Basic',
    adminUserEnabled: false,
    roles: [
      { identity: 'alice', role: 'Reader' },
      { identity: 'alice', role: 'AcrPull' },
    ],
  })),
};

/**
 * The hours and minutes the status bar item says are left ("ACR pair07 2h 58m", after an icon when it warns), in
 * minutes: 0 for "expired", undefined when it shows none.
 */
async function minutesLeft(page: Page): Promise<number | undefined> {
  const item = page.locator('.statusbar-item').filter({ hasText: /ACR pair\d+/ });
  if ((await item.count()) === 0) return undefined;
  const match = /ACR pair\d+ (?:(\d+)h )?(\d+)m/.exec(await item.first().innerText());
  return match ? Number(match[1] ?? 0) * 60 + Number(match[2]) : 0;
}

interface ConfigReads {
  reads: number;
  /** Reads that did not parse: where they broke and how long they were (never their text, which holds credentials). */
  unparsable: string[];
  /** Reads that held fewer entries than expected: how many they held. */
  short: number[];
}

/** Reads config.json over and over until `stop` is set, as a docker CLI reading it during the round would. */
async function pollConfig(file: string, expectedEntries: number, stop: () => boolean): Promise<ConfigReads> {
  const reads: ConfigReads = { reads: 0, unparsable: [], short: [] };
  while (!stop()) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      reads.unparsable.push(`not readable: ${(error as NodeJS.ErrnoException).code}`);
      continue;
    }
    reads.reads++;
    try {
      const entries = Object.keys((JSON.parse(text) as { auths?: Record<string, unknown> }).auths ?? {}).length;
      if (entries < expectedEntries) reads.short.push(entries);
    } catch {
      reads.unparsable.push(`${text.length} characters`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return reads;
}

describe('Two windows on one code-server with the same 20 overdue registries, renewals switched on in one and then, mid-round, the other', () => {
  let emulator: RunningEmulator;
  let dockerConfig: string;
  let server: CodeServer;
  let browser: Browser;
  let context: BrowserContext;
  const pages: Page[] = [];

  /** A window of the same code-server in the same browser profile: its own extension host, the same global storage and DOCKER_CONFIG. */
  const openWindow = async (): Promise<Page> => {
    const page = await context.newPage();
    pages.push(page);
    // A background tab's workbench is throttled by Chromium: the window looked at is brought to the front.
    await page.bringToFront();
    await page.goto(server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]), { timeout: 120_000 });
    await page.getByRole('tab', { name: 'ACR Access' }).waitFor({ timeout: 60_000 });
    return page;
  };

  const settings = (emulatorSettings: Record<string, unknown>, autoRefresh: boolean): Record<string, unknown> => ({
    ...emulatorSettings,
    'acrAccess.autoRefresh.enabled': autoRefresh,
    // Longer than the 60-s credentials of the logins, so all of them are overdue once renewals are switched on.
    'acrAccess.autoRefresh.leadTimeMinutes': 3,
  });

  before(async () => {
    buildForTests();
    emulator = await startEmulator({ fixture });
    dockerConfig = await mkdtemp(join(tmpdir(), 'acr-e2e-docker-config-'));
    // Signed in to VS Code's (emulated) Microsoft account in every window, as VS Code shares its account between
    // windows: the emulated provider keeps its session in its own extension host, so each window signs in at start.
    const options = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: true, autoApprove: true, dockerConfig });
    server = await startCodeServer({ ...options, settings: settings(options.settings ?? {}, false) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const [i, page] of pages.entries()) await saveScreenshot(page, `failed-two-windows-${i + 1}`);
    console.error(`The extension's log:\n${await server.extensionLog()}`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    if (dockerConfig) await rm(dockerConfig, { recursive: true, force: true });
  });

  it('each registry gets exactly one exchange, both windows take up the renewed credentials, and the docker config holds all 20', async function () {
    // Twenty logins, a second window and a round of renewals through the Docker engine, on a shared 2-core machine.
    this.timeout(540_000);
    const loginServers = registryNames.map((name) => emulator.loginServer(name)).sort();

    // Logged in from the first window with credentials that live 60 s, while renewals are off.
    const first = await openWindow();
    await emulator.client.setLifetimes({ acrRefreshSeconds: 60 });
    await runFromPalette(first, 'ACR: Sign In');
    const quickInput = first.locator('.quick-input-widget');
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' }).click();
    // Depending on what VS Code has been told already, it asks which account and whether the extension may use it.
    const allow = first.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
    const alice = quickInput.locator('.monaco-list-row').filter({ hasText: 'alice@contoso.example' });
    const firstRegistry = quickInput.locator('.monaco-list-row').filter({ hasText: registryNames[0] });
    for (;;) {
      await allow.or(alice).or(firstRegistry).first().waitFor({ timeout: 30_000 });
      if (await firstRegistry.isVisible()) break;
      const question = (await allow.isVisible()) ? allow : alice;
      await question.click();
      await question.waitFor({ state: 'hidden' });
    }
    await quickInput.getByRole('checkbox', { name: /toggle all/i }).click();
    await quickInput.getByText(`${registryNames.length} Selected`).waitFor();
    await first.keyboard.press('Enter');
    await first.locator('.notification-toast').filter({ hasText: /Docker is ready for .* until / }).waitFor({ timeout: 120_000 });
    await emulator.client.setLifetimes({ acrRefreshSeconds: usualRefreshSeconds });

    // A second window opens and finds the same logins.
    const second = await openWindow();
    for (const page of [second, first]) {
      await page.bringToFront();
      await waitFor(async () => (await minutesLeft(page)) !== undefined, 60_000, () => `window ${pages.indexOf(page) + 1} shows no registry in the status bar`);
    }
    const exchangesSince = async (seq: number) => (await emulator.client.log()).filter((entry) => entry.seq > seq && entry.path === '/oauth2/exchange' && entry.server.startsWith('registry:'));
    const loggedIn = await exchangesSince(0);
    assert.deepEqual(loggedIn.map((entry) => entry.server).sort(), registryNames.map((name) => `registry:${name}`), 'one exchange per registry to log in');
    const roundStart = Math.max(...(await emulator.client.log()).map((entry) => entry.seq));

    // A reader of config.json all through the round, which must never see a partial file or a lost entry.
    const configFile = join(dockerConfig, 'config.json');
    let roundOver = false;
    const polling = pollConfig(configFile, registryNames.length, () => roundOver);
    const roundStartedAt = Date.now();

    // Renewals switched on in the user settings, in both windows one after the other: every registry is overdue
    // in both. Each exchange takes the registry 8 s to answer, so the first window, renewing 10 at a time, is
    // still at it when the second starts: the second meets registries the first is renewing (locked), has
    // renewed (their renewal records), and has not reached yet.
    await emulator.client.addFault({ mode: 'slow', delayMs: 8_000, path: '^/oauth2/exchange$' });
    for (const page of [first, second]) {
      await page.bringToFront();
      await editUserSettings(page, server.userSettingsFile, { 'acrAccess.autoRefresh.enabled': true });
    }

    // Both windows show the renewed credentials (hours left for the soonest), so neither has one left to renew.
    for (const page of [first, second]) {
      await page.bringToFront();
      let shown: number | undefined;
      await waitFor(async () => (shown = await minutesLeft(page)) !== undefined && shown > 120, 240_000, () => `window ${pages.indexOf(page) + 1} still shows ${shown} minutes left`);
    }
    roundOver = true;
    const roundOverAt = Date.now();
    await emulator.client.clearFaults();
    const configReads = await polling;
    const round = await exchangesSince(roundStart);
    const perRegistry = new Map(registryNames.map((name) => [name, round.filter((entry) => entry.server === `registry:${name}`)]));
    const notOnce = [...perRegistry].filter(([, exchanges]) => exchanges.length !== 1 || exchanges[0].status !== 200);
    // When and how each of their exchanges ended (no status: still pending, or the client gave up), against when
    // both windows showed the round done, and each login server, to find it in the windows' logs printed below.
    const describe = ([name, exchanges]: [string, LogEntry[]]): string =>
      `${name} (${emulator.loginServer(name)}): ${exchanges.map((entry) => `${entry.time} ${entry.status ?? 'no answer'}`).join(', ')}`;
    assert.deepEqual(notOnce.map(describe), [], `registries not renewed exactly once in the round (judged done at ${new Date(roundOverAt).toISOString()})`);

    assert.ok(configReads.reads > 10, `config.json was read only ${configReads.reads} times during the round`);
    assert.deepEqual(configReads.unparsable, [], 'a reader saw a partial config.json');
    assert.deepEqual(configReads.short, [], 'a reader saw config.json with entries missing');

    // Every entry holds a renewed credential (hours left), not the 60-s one of the login.
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { auths?: Record<string, { auth?: string }> };
    assert.deepEqual(Object.keys(config.auths ?? {}).sort(), loginServers);
    const stale = Object.entries(config.auths ?? {}).filter(([, entry]) => {
      const token = Buffer.from(entry.auth ?? '', 'base64').toString('utf8').split(':').slice(1).join(':');
      return jwtExpiresOn(token) < roundStartedAt + 60 * 60_000;
    });
    assert.deepEqual(stale.map(([loginServer]) => loginServer), [], 'config.json entries without the renewed credential');
  });
});
