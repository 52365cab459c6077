import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FrameLocator, Locator, Page } from 'playwright-core';
import type { RunningEmulator } from '../world/emulator';
import { waitFor } from '../world/processes';
import { clearNotifications, EmulatorWorkbench, expandRow, openEmulatorWorkbench, openRegistriesView, resizeSideBar, runFromContextMenu, runFromPalette, saveScreenshot, screenshotIfFailed, signInWithVsCodeAccount } from './workbench';

const run = promisify(execFile);

/**
 * `docker --config <dir> login --password-stdin`: the password goes to the CLI on stdin, never on its command
 * line. Resolves with what the CLI said on stderr when it failed (it never repeats the password).
 */
function dockerLogin(configDir: string, loginServer: string, username: string, password: string): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['--config', configDir, 'login', '--username', username, '--password-stdin', loginServer], { env: process.env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ok: code === 0, stderr }));
    child.stdin.end(password);
  });
}

/** How many of these files hold the text (read as bytes, so binary databases count too); never the text itself. */
async function filesHolding(files: string[], text: string): Promise<string[]> {
  const holding: string[] = [];
  for (const file of files) {
    const content = await readFile(file).catch(() => undefined);
    if (content?.includes(text)) holding.push(file);
  }
  return holding;
}

/** Whether the browser's own storage of the workbench (IndexedDB, where VS Code in a browser keeps its state, and localStorage) holds the text. */
async function browserStorageHolds(page: Page, text: string): Promise<string[]> {
  // The test runner's compiler wraps named functions in a __name helper that the page does not have.
  await page.evaluate('globalThis.__name ??= (target) => target');
  return page.evaluate(async (secret) => {
    const found: string[] = [];
    for (let index = 0; index < localStorage.length; index++) {
      const key = localStorage.key(index) ?? '';
      if (key.includes(secret) || (localStorage.getItem(key) ?? '').includes(secret)) found.push(`localStorage ${key}`);
    }
    const holds = (value: unknown): boolean => {
      if (typeof value === 'string') return value.includes(secret);
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) return new TextDecoder().decode(value).includes(secret);
      if (value && typeof value === 'object') return Object.values(value as Record<string, unknown>).some(holds);
      return false;
    };
    const request = <T,>(pending: IDBRequest<T>): Promise<T> =>
      new Promise((resolve, reject) => {
        pending.onsuccess = () => resolve(pending.result);
        pending.onerror = () => reject(pending.error ?? new Error('an IndexedDB request failed'));
      });
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      const db = await request(indexedDB.open(name));
      for (const store of Array.from(db.objectStoreNames)) {
        const objects = db.transaction(store, 'readonly').objectStore(store);
        const [keys, values] = await Promise.all([request(objects.getAllKeys()), request(objects.getAll())]);
        if (holds(keys) || holds(values)) found.push(`IndexedDB ${name}/${store}`);
      }
      db.close();
    }
    return found;
  }, text);
}

describe('A developer creates a repository-scoped token with a new scope map from the Registries view', () => {
  let workbench: EmulatorWorkbench;
  let emulator: RunningEmulator;
  let page: Page;
  let tree: Locator;
  let noArm: string;
  let cliConfig: string;
  /** Read from the password panel, only ever compared with; never printed. */
  let password = '';
  const tokenName = 'ci-hello';

  const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });
  /** The password panel's page: VS Code puts a webview's content in an iframe inside the webview's own iframe. */
  const panel = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  before(async () => {
    // Telemetry on, sent to the emulator's collector, so the scan below has usage data to look through.
    workbench = await openEmulatorWorkbench(() => ({ 'telemetry.telemetryLevel': 'all' }), { telemetryAllowed: true });
    ({ emulator, page } = workbench);
    noArm = emulator.loginServer('contosonoarm');
    cliConfig = await mkdtemp(join(tmpdir(), 'acr-e2e-token-cli-'));
    // A config with an entry already makes the CLI keep what it logs in with in this file, instead of looking
    // for a credential helper of the machine (it picks docker-credential-pass when that is installed).
    await writeFile(join(cliConfig, 'config.json'), JSON.stringify({ auths: { [noArm]: {} } }));
  });
  afterEach(screenshotIfFailed(() => page));
  after(async () => {
    await workbench?.close();
    if (cliConfig) await rm(cliConfig, { recursive: true, force: true });
    if (noArm) await run('docker', ['rmi', '--force', `${noArm}/hello:v1`]).catch(() => undefined);
  });

  it('Create Token... on the Tokens group asks name, new scope map and expiry, and opens the once-only password panel', async () => {
    // In the component fixture alice is a Contributor on contosonoarm, which lets her write tokens there.
    await signInWithVsCodeAccount(page, 'contosonoarm');
    tree = await openRegistriesView(page);
    await resizeSideBar(page, 480);
    await clearNotifications(page);
    await expandRow(row(/^Tenant Contoso /));
    await expandRow(row(/^Subscription Contoso Dev /));
    await expandRow(row(/^Registry contosonoarm, /));
    const tokens = row('Tokens');
    await expandRow(tokens);
    await row(/^No tokens yet\./).waitFor({ timeout: 30_000 });

    await runFromContextMenu(tokens, 'Create Token...');
    const quickInput = page.locator('.quick-input-widget');
    const input = quickInput.locator('input');
    const answer = async (prompt: string | RegExp, value: string): Promise<void> => {
      await quickInput.getByText(prompt).waitFor({ timeout: 30_000 });
      await input.fill(value);
      await page.keyboard.press('Enter');
    };

    await answer(/^Token name \(it is the user name for docker login\)\./, tokenName);
    await quickInput.getByRole('option', { name: /New scope map\.\.\./ }).click({ timeout: 30_000 });
    await answer(/^Repositories, separated by commas/, 'hello');
    // The permissions start as content/read and metadata/read; the token needs only to pull.
    const permission = (name: RegExp, checked: boolean): Locator => quickInput.locator('.monaco-list-row').and(page.getByRole('checkbox', { name, checked }));
    await permission(/^content\/read: pull/, true).waitFor({ timeout: 30_000 });
    await permission(/^metadata\/read: /, true).click();
    await permission(/^metadata\/read: /, false).waitFor();
    await page.keyboard.press('Enter');
    await quickInput.getByText('Name of the new scope map.').waitFor({ timeout: 30_000 });
    assert.equal(await input.inputValue(), `${tokenName}-scope`);
    await page.keyboard.press('Enter');
    await quickInput.getByText(/^Password expiry: /).waitFor({ timeout: 30_000 });
    assert.equal(await input.inputValue(), '30', 'the expiry does not default to acrAccess.tokens.passwordExpiryDays');
    await page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });

    await page.getByRole('tab', { name: new RegExp(`^Token ${tokenName}: new password1`) }).waitFor({ timeout: 60_000 });
    await panel().getByRole('heading', { name: `Token ${tokenName} on ${noArm}` }).waitFor({ timeout: 30_000 });
    await panel().getByText('This is the only time the password is shown').waitFor();
    await panel().getByText(/^Password \(password1, expires /).waitFor();
    password = (await panel().locator('pre#password').innerText()).trim();
    assert.ok(password.length >= 16, 'the panel shows no password');
    await panel().getByText(`User name: ${tokenName}`).waitFor();

    // The docker login comes in this machine's shell (bash here), and in PowerShell one click away.
    const dockerLogin = panel().locator('pre#dockerLogin');
    assert.match(await dockerLogin.innerText(), /^read -rs ACR_TOKEN_PASSWORD\nprintf '%s' "\$ACR_TOKEN_PASSWORD" \| docker login /);
    await panel().getByRole('button', { name: 'In PowerShell' }).click();
    await dockerLogin.getByText(/^\$env:ACR_TOKEN_PASSWORD = \[Net\.NetworkCredential\]::new\('', \(Read-Host -AsSecureString\)\)\.Password\n\$env:ACR_TOKEN_PASSWORD \| docker login /).waitFor();
    await panel().getByRole('button', { name: 'In bash / zsh' }).click();
    await dockerLogin.getByText(/^read -rs ACR_TOKEN_PASSWORD/).waitFor();

    // The tree shows the new token, with its new scope map.
    await row(new RegExp(`^Token ${tokenName}, ${tokenName}-scope`)).waitFor({ timeout: 30_000 });
    await clearNotifications(page);
    await saveScreenshot(page, 'tokens-1-password-panel');
  });

  it('the docker CLI logs in with the password the panel showed and pulls hello', async () => {
    assert.ok(password, 'the previous step read no password');
    const image = `${noArm}/hello:v1`;
    await run('docker', ['rmi', '--force', image]).catch(() => undefined);
    await emulator.client.clearLog();
    // A password works a moment after it was made (docs/protocol.md section 9): docker login is tried until it does.
    let refusal = '';
    await waitFor(
      async () => {
        const login = await dockerLogin(cliConfig, noArm, tokenName, password);
        refusal = login.stderr;
        return login.ok;
      },
      60_000,
      () => `docker login ${noArm} as ${tokenName} kept failing: ${refusal}`,
    );
    await run('docker', ['--config', cliConfig, 'pull', image], { env: process.env, timeout: 120_000 });
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{json .RepoTags}}', image], { env: process.env });
    assert.ok((JSON.parse(stdout) as string[]).includes(image), `the engine has ${stdout}`);
    // The registry knew every caller since as the token, and served it hello's manifest.
    const requests = (await emulator.client.log()).filter((entry) => entry.server === 'registry:contosonoarm');
    assert.deepEqual([...new Set(requests.flatMap((entry) => (entry.caller ? [entry.caller] : [])))], [`token:${tokenName}`]);
    assert.ok(requests.some((entry) => entry.path.startsWith('/v2/hello/manifests/') && entry.status === 200), 'no manifest of hello was served');
  });

  it('the password is nowhere else: not in the log, settings, storage or usage data', async () => {
    assert.ok(password, 'the first step read no password');
    // As typed, and as docker config and Kubernetes Secrets carry it (base64 of user:password).
    const forms = [password, Buffer.from(`${tokenName}:${password}`).toString('base64')];

    // The usage event of Create Token... shows the reporter has sent what it queued until then.
    const deadline = Date.now() + 90_000;
    let telemetry = '';
    while (!/"command":"createToken"/.test(telemetry)) {
      assert.ok(Date.now() < deadline, 'the usage event of Create Token... never reached the collector');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      telemetry = JSON.stringify(await emulator.client.telemetry());
    }

    // The log line written after the password was made shows the log file was flushed past it.
    const logLine = `Created token ${tokenName} with scope map ${tokenName}-scope on ${noArm}`;
    let files: string[] = [];
    await waitFor(
      async () => {
        files = (await readdir(workbench.userDataDir, { recursive: true, encoding: 'utf8' })).map((name) => join(workbench.userDataDir, name));
        return (await filesHolding(files.filter((file) => file.endsWith('ACR Access.log')), logLine)).length > 0;
      },
      30_000,
      () => 'the log never said the token was created',
    );
    assert.ok(files.some((file) => file.endsWith(join('User', 'settings.json'))), 'settings.json was not among the files scanned');
    // VS Code in a browser keeps Memento (the extension's state) in the browser: the scan reaches it.
    assert.ok((await browserStorageHolds(page, noArm)).length > 0, "the scan found none of the extension's state in the browser");

    for (const [index, form] of forms.entries()) {
      const what = index === 0 ? 'the password' : 'the password in base64';
      assert.equal(telemetry.includes(form), false, `${what} reached the usage data`);
      assert.deepEqual(await filesHolding(files, form), [], `files of the user data folder hold ${what}`);
      assert.deepEqual(await browserStorageHolds(page, form), [], `the browser's storage holds ${what}`);
    }
  });

  it("with nobody vouching for the login server (signed out of Azure, added by login server, not in acrAccess.trustedHosts), the panel's Sign In Docker on This Machine logs Docker in with the token", async () => {
    assert.ok(password, 'the first step read no password');
    // Signed out, ARM has listed nothing this session: the login server is a host and port the user typed, which
    // no Azure sign-in token may go to. A token password is the registry's own, and goes there all the same.
    await runFromPalette(page, 'ACR: Sign Out');
    // Signed out once the Registries view offers to sign in (its toast may have come and gone on a busy machine).
    await page.getByText('Sign in to Azure to log Docker in').waitFor({ timeout: 30_000 });
    await runFromPalette(page, 'ACR: Add Registry by Login Server...');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget').getByText('The login server of the registry').waitFor({ timeout: 30_000 });
    await input.fill(noArm);
    await page.keyboard.press('Enter');
    await clearNotifications(page);
    await emulator.client.clearLog();

    await page.getByRole('tab', { name: new RegExp(`^Token ${tokenName}: new password1`) }).click();
    await panel().getByRole('button', { name: 'Sign In Docker on This Machine' }).click();
    await panel().getByText(`Docker on this machine is signed in to ${noArm} as ${tokenName}.`).waitFor({ timeout: 90_000 });
    await saveScreenshot(page, 'tokens-2-signed-in-by-login-server');
    const requests = (await emulator.client.log()).filter((entry) => entry.server === 'registry:contosonoarm');
    assert.deepEqual([...new Set(requests.flatMap((entry) => (entry.caller ? [entry.caller] : [])))], [`token:${tokenName}`]);

    // The docker CLI of the workbench pulls with what the extension gave it.
    const image = `${noArm}/hello:v1`;
    await run('docker', ['rmi', '--force', image]).catch(() => undefined);
    await run('docker', ['pull', image], { env: { ...process.env, DOCKER_CONFIG: workbench.dockerConfig }, timeout: 120_000 });
    await row('Registries by login server').waitFor({ timeout: 30_000 });
  });
});
