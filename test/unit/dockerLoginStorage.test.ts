import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { DockerLogin, SignInState } from '../../src/auth/signInState';
import { eventually } from '../world/eventually';

/** One window's copy of the extension's global Memento (VS Code gives each window its own), as a plain map. */
class WindowMemento implements vscode.Memento {
  readonly values = new Map<string, unknown>();

  keys(): readonly string[] {
    return [...this.values.keys()];
  }

  get<T>(key: string, fallback?: T): T | undefined {
    return this.values.has(key) ? (this.values.get(key) as T) : fallback;
  }

  update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    return Promise.resolve();
  }
}

const noSecrets = {} as vscode.SecretStorage;

function login(loginServer: string, loggedInAt: number): DockerLogin {
  return { loginServer, via: 'entra', tenantId: 'contoso', username: '00000000-0000-0000-0000-000000000000', loggedInAt, expiresOn: loggedInAt + 3 * 3600_000, persisted: true, fromArm: true };
}

const apps = login('contosoapps.azurecr.io', 1_700_000_000_000);
const other = login('contosoother.azurecr.io:8443', 1_700_000_001_000);

describe('Docker logins: one file per registry in the global storage folder, shared by every window (src/auth/signInState.ts, src/auth/registryFiles.ts)', () => {
  let storage: string;
  const windows: SignInState[] = [];

  /** A window: its own Memento copy, the global storage folder every window shares. */
  const openWindow = (memento = new WindowMemento()): SignInState => {
    const state = new SignInState(memento, noSecrets, storage);
    windows.push(state);
    return state;
  };
  const loginServers = (state: SignInState): string[] => state.dockerLogins.map((login) => login.loginServer);

  beforeEach(async () => {
    storage = await mkdtemp(join(tmpdir(), 'acr-global-storage-'));
  });

  afterEach(async () => {
    for (const state of windows.splice(0)) state.dispose();
    await rm(storage, { recursive: true, force: true });
  });

  it('two windows adding different registries at the same moment both keep both, are told of the other\'s, and a window opened later has both', async () => {
    const [first, second] = [openWindow(), openWindow()];
    const told = [0, 0];
    first.onDidChangeDockerLogins(() => told[0]++);
    second.onDidChangeDockerLogins(() => told[1]++);
    await Promise.all([first.saveDockerLogin(apps), second.saveDockerLogin(other)]);

    for (const [index, window] of [first, second].entries()) {
      await eventually(() => `window ${index + 1} remembers ${loginServers(window).join(', ')}`, () => Promise.resolve(loginServers(window).length === 2), 5_000, 10);
      assert.deepEqual(window.dockerLogins, [apps, other]);
    }
    assert.ok(told.every((count) => count >= 2), `told of changes ${told.join(' and ')} times`);
    assert.deepEqual(openWindow().dockerLogins, [apps, other]);
  });

  it('a login another window removes or renews is removed or renewed here too', async () => {
    const [first, second] = [openWindow(), openWindow()];
    await first.saveDockerLogin(apps);
    await first.saveDockerLogin(other);
    await eventually('the second window did not see the logins', () => Promise.resolve(second.dockerLogins.length === 2), 5_000, 10);

    const renewed = { ...apps, expiresOn: apps.expiresOn! + 3600_000 };
    await Promise.all([first.removeDockerLogin(other.loginServer), second.saveDockerLogin(renewed)]);
    for (const [index, window] of [first, second].entries()) {
      await eventually(() => `window ${index + 1} remembers ${JSON.stringify(window.dockerLogins)}`, () => Promise.resolve(JSON.stringify(window.dockerLogins) === JSON.stringify([renewed])), 5_000, 10);
    }
  });

  it('the logins an earlier version kept in one Memento value are taken over once: the value is removed, and a login removed since does not come back when an older window writes that value again', async () => {
    const memento = new WindowMemento();
    const oldValue = { [apps.loginServer]: apps, [other.loginServer]: other };
    await memento.update('acrAccess.dockerLogins', oldValue);
    const window = openWindow(memento);
    assert.deepEqual(window.dockerLogins, [apps, other]);
    await eventually('the old value was not removed', () => Promise.resolve(!memento.keys().includes('acrAccess.dockerLogins')), 5_000, 10);
    assert.deepEqual(openWindow().dockerLogins, [apps, other], 'another window does not have them');

    await window.removeDockerLogin(other.loginServer);
    // A window that still has the Memento as it was writes it back whole.
    await memento.update('acrAccess.dockerLogins', oldValue);
    assert.deepEqual(openWindow(memento).dockerLogins, [apps], 'a removed login came back');
    assert.equal((await readdir(join(storage, 'docker-logins'))).filter((name) => name.endsWith('.tmp')).length, 0, 'a temp file was left');
  });

  it('a window whose folder is removed under it (with the global storage) throws no uncaught error from its watch', async () => {
    const window = openWindow();
    await window.saveDockerLogin(apps);
    // The folder's own watch hears of the removal of its files before the storage folder's watch hears of the folder's.
    const removalHeard = new Promise<void>((resolve) => {
      const watcher = watch(storage, (_event, name) => {
        if (name !== 'docker-logins') return;
        watcher.close();
        resolve();
      });
    });
    await rm(join(storage, 'docker-logins'), { recursive: true });
    await removalHeard;
    // An error thrown by the folder's watch would be uncaught, and mocha fails the test it happens in.
    await new Promise((resolve) => setImmediate(resolve));
  });
});
