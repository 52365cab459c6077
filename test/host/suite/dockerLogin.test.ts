import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import { extensionId } from '../activation';
import { runAcrCommand } from '../commands';
import { hostEmulator } from '../emulator';
import { waitForWorkbenchText } from '../workbench';

const run = promisify(execFile);

/** The registries Docker's config holds credentials for (none before anything wrote the file). */
async function dockerConfigAuths(): Promise<string[]> {
  const text = await readFile(join(process.env.DOCKER_CONFIG!, 'config.json'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '{}';
    throw error;
  });
  const config = JSON.parse(text) as { auths?: Record<string, unknown> };
  return Object.keys(config.auths ?? {}).sort();
}

describe('Log In Docker to Registry with the VS Code Microsoft account', () => {
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  const noArm = emulator.loginServer('contosonoarm');

  beforeEach(async () => {
    // Whatever ran before: VS Code's account signed in, nothing logged in to Docker.
    await vscode.commands.executeCommand('emulatedMicrosoftAuth.signIn');
    await vscode.commands.executeCommand('acrAccess.signOut');
  });

  it('gets Docker ready for two registries, and docker pull in a terminal works', async () => {
    await runAcrCommand('acrAccess.logInDocker', [apps, noArm]);

    // What the extension now keeps renewed, as its status bar and tree show it.
    const { renewals } = await vscode.extensions.getExtension<AcrAccessExports>(extensionId)!.activate();
    const logins = renewals.statuses().map(({ login }) => login);
    assert.deepEqual(logins.map((login) => login.loginServer).sort(), [apps, noArm].sort());
    for (const login of logins) {
      assert.ok(login.persisted, `${login.loginServer} was not saved for the docker CLI`);
      assert.ok(login.expiresOn && login.expiresOn > Date.now(), `${login.loginServer} has no future expiry`);
    }
    assert.deepEqual(await dockerConfigAuths(), [apps, noArm].sort());
    // A separate docker process, with the DOCKER_CONFIG and DOCKER_HOST this extension host was given.
    for (const image of [`${apps}/hello:v1`, `${noArm}/hello:v1`]) {
      const { stdout } = await run('docker', ['pull', image], { timeout: 120_000 });
      assert.match(stdout, /Downloaded newer image|Image is up to date/);
    }
  });

  it('sign out removes what it gave Docker, and docker pull is refused again', async () => {
    await vscode.commands.executeCommand('acrAccess.logInDocker', [apps]);
    assert.deepEqual(await dockerConfigAuths(), [apps]);
    await vscode.commands.executeCommand('acrAccess.signOut');
    assert.deepEqual(await dockerConfigAuths(), []);
    await run('docker', ['rmi', `${apps}/hello:v1`]).catch(() => undefined);
    await assert.rejects(run('docker', ['pull', `${apps}/hello:v1`], { timeout: 120_000 }), /unauthorized|authentication required|denied/i);
  });
});

describe('Log In Docker to a login server nobody vouches for', () => {
  const emulator = hostEmulator();

  it('sends it no token, says how to trust it, and writes nothing for Docker', async () => {
    // alice has no role on fabrikamhidden, so ARM does not list it: typed by hand, it is just a host and port.
    const hidden = emulator.loginServer('fabrikamhidden');
    await emulator.client.clearLog();
    await runAcrCommand('acrAccess.logInDocker', [hidden]);

    // The notification center lists every notification (toasts come and go with the others shown).
    await vscode.commands.executeCommand('notifications.showList');
    await waitForWorkbenchText('.notifications-center .notification-list-item', 'add it to the acrAccess.trustedHosts setting');
    await vscode.commands.executeCommand('notifications.hideList');
    const reached = (await emulator.client.log()).filter((entry) => entry.server === 'registry:fabrikamhidden');
    assert.deepEqual(reached, [], 'the untrusted login server was contacted');
    assert.ok(!(await dockerConfigAuths()).includes(hidden));
  });
});
