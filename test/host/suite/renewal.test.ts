import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import { eventually } from '../../world/eventually';
import { extensionId } from '../activation';
import { runAcrCommand } from '../commands';
import { hostEmulator } from '../emulator';
import { waitForWorkbenchText, workbenchTexts } from '../workbench';

const run = promisify(execFile);

const statusItem = '.statusbar-item:has-text("ACR contoso")';
const renewalProblem = '.notifications-center .notification-list-item:has-text("could not be renewed")';

/** A fingerprint of what Docker's config holds for a registry, so a change shows without printing a secret. */
async function configFingerprint(loginServer: string): Promise<string> {
  const config = JSON.parse(await readFile(join(process.env.DOCKER_CONFIG!, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> };
  return createHash('sha256').update(config.auths?.[loginServer]?.auth ?? '').digest('hex');
}

const tokenSeconds = 40;

/** Seconds left in the status bar text ("ACR contosoapps 1m 05s" or "ACR contosoapps 45s"). */
async function statusSecondsLeft(): Promise<number> {
  const [text] = await workbenchTexts(statusItem);
  const match = /(?:(\d+)m )?(\d+)s/.exec(text ?? '');
  assert.ok(match, `no time left in the status bar: ${JSON.stringify(text)}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
}

describe('Docker credentials renewed before they expire (40-second ACR refresh tokens, 15-second lead time)', function () {
  this.timeout(240_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  const noArm = emulator.loginServer('contosonoarm');
  const settings = () => vscode.workspace.getConfiguration('acrAccess');

  /** Successful exchanges with a registry since `since` (ms), as the emulator logged them. */
  const exchanges = async (registry: string, since: number) =>
    (await emulator.client.log()).filter(
      (entry) => entry.server === `registry:${registry}` && entry.path === '/oauth2/exchange' && entry.status === 200 && Date.parse(entry.time) >= since,
    );

  let renewals: AcrAccessExports['renewals'];

  before(async () => {
    renewals = (await vscode.extensions.getExtension<AcrAccessExports>(extensionId)!.activate()).renewals;
    // Whatever ran before: VS Code's account signed in, nothing logged in to Docker.
    await vscode.commands.executeCommand('emulatedMicrosoftAuth.signIn');
    await vscode.commands.executeCommand('acrAccess.signOut');
    // Short lives, so the whole life of a credential passes in well under a minute: the shortest lead time the
    // setting allows, and the warning colours a little before it.
    await emulator.client.setLifetimes({ acrRefreshSeconds: tokenSeconds });
    await settings().update('autoRefresh.leadTimeMinutes', 0.25, vscode.ConfigurationTarget.Global);
    await settings().update('statusBar.warningMinutes', 0.5, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('acrAccess.signOut');
    await vscode.commands.executeCommand('emulatedMicrosoftAuth.signIn');
    await settings().update('autoRefresh.leadTimeMinutes', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('statusBar.warningMinutes', undefined, vscode.ConfigurationTarget.Global);
    await emulator.client.setLifetimes({ acrRefreshSeconds: 3 * 3600 });
  });

  it('counts down, turns to warning under the threshold, renews before exp, and docker pull works after the first token expired', async () => {
    const start = Date.now();
    await runAcrCommand('acrAccess.logInDocker', [apps, noArm]);
    const { loginServer, expiresOn } = renewals.statuses().find(({ login }) => login.loginServer === apps)!.login;
    assert.ok(expiresOn !== undefined, `${loginServer} has no expiry`);
    const first = { expiresOn };
    // Issued before now, so the token has less than its lifetime left, however slow the login was.
    assert.ok(first.expiresOn - Date.now() <= tokenSeconds * 1000 + 1000, `the emulator did not issue a ${tokenSeconds}-second token`);
    const firstConfig = await configFingerprint(apps);

    const before = await eventually('the status bar item', async () => ((await workbenchTexts(statusItem)).length > 0 ? statusSecondsLeft() : undefined), 15_000, 500);
    await eventually('the status bar counting down', async () => (await statusSecondsLeft()) < before, 15_000, 500);

    await waitForWorkbenchText(`${statusItem}.warning-kind`, 'ACR contoso', 45_000);

    const renewal = await eventually('a renewal of contosoapps', async () => (await exchanges('contosoapps', start)).slice(1)[0], 80_000, 500);
    assert.ok(Date.parse(renewal.time) < first.expiresOn, `renewed at ${renewal.time}, after the first token's exp ${new Date(first.expiresOn).toISOString()}`);
    await eventually("the renewed token in Docker's config", async () => (await configFingerprint(apps)) !== firstConfig, 15_000, 500);

    await sleep(Math.max(0, first.expiresOn + 2000 - Date.now()));
    await run('docker', ['rmi', `${apps}/hello:v1`]).catch(() => undefined);
    const { stdout } = await run('docker', ['pull', `${apps}/hello:v1`], { timeout: 120_000 });
    assert.match(stdout, /Downloaded newer image|Image is up to date/);
  });

  it('signed out of the Microsoft account mid-way: one notification with Sign In, the error state, and signing in again restores everything', async () => {
    await vscode.commands.executeCommand('acrAccess.logInDocker', [apps, noArm]);
    const signedOutAt = Date.now();
    await vscode.commands.executeCommand('emulatedMicrosoftAuth.signOut');

    // The next renewal asks its registry for the challenge, finds no account, and stops there; the other
    // registry, logged in with the same account, is not tried in vain.
    const challenges = async () =>
      (await emulator.client.log()).filter((entry) => entry.server.startsWith('registry:') && entry.path === '/v2/' && Date.parse(entry.time) >= signedOutAt);
    await eventually('a failed renewal', async () => (await challenges()).length > 0, 80_000, 500);
    await waitForWorkbenchText(`${statusItem}.error-kind`, 'ACR contoso', 15_000);

    await vscode.commands.executeCommand('notifications.showList');
    await waitForWorkbenchText(renewalProblem, 'Sign In', 15_000);
    // A few more heartbeats, given at once: failures that need the user are not due, so nothing starts again.
    for (let heartbeat = 0; heartbeat < 3; heartbeat++) renewals.checkDue();
    assert.deepEqual(
      renewals
        .statuses()
        .map(({ login, health, dueAt }) => [login.loginServer, health.kind, dueAt])
        .sort(),
      [apps, noArm].sort().map((loginServer) => [loginServer, 'needsUser', undefined]),
    );
    const problems = await workbenchTexts(renewalProblem);
    assert.equal(problems.length, 1, `expected one notification, saw ${JSON.stringify(problems)}`);
    assert.match(problems[0], /contosoapps/);
    assert.match(problems[0], /contosonoarm/);
    assert.equal((await challenges()).length, 1, 'a renewal that needs the user was tried again');
    assert.deepEqual([...(await exchanges('contosoapps', signedOutAt)), ...(await exchanges('contosonoarm', signedOutAt))], []);

    // Signing in from VS Code's Accounts menu (the notification's Sign In asks through a dialog, which VS Code
    // refuses to show in a test run; the e2e journey clicks it) brings everything back.
    await vscode.commands.executeCommand('notifications.hideList');
    const signInAt = Date.now();
    await vscode.commands.executeCommand('emulatedMicrosoftAuth.signIn');

    await eventually(
      'renewals of both registries after signing in',
      async () => (await exchanges('contosoapps', signInAt)).length > 0 && (await exchanges('contosonoarm', signInAt)).length > 0,
      60_000,
      500,
    );
    await eventually('the status bar leaving the error state', async () => (await workbenchTexts(`${statusItem}.error-kind`)).length === 0, 15_000, 500);
    await run('docker', ['rmi', `${noArm}/hello:v1`]).catch(() => undefined);
    const { stdout } = await run('docker', ['pull', `${noArm}/hello:v1`], { timeout: 120_000 });
    assert.match(stdout, /Downloaded newer image|Image is up to date/);
  });
});
