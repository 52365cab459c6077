import type * as vscode from 'vscode';

const subscriptionsKey = 'acrAccess.tree.selectedSubscriptions';
const loginServersKey = 'acrAccess.tree.addedLoginServers';
const openedKey = 'acrAccess.tree.openedRepositories';

/** What the tree remembers across reloads (Memento; nothing secret): the user's choices, not what was loaded. */
export class TreeMemory {
  /** Writes one after the other, as in SignInState: VS Code's echo of a saved value must not undo a newer one. */
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly memento: vscode.Memento) {}

  private change<T>(key: string, fallback: T, next: (current: T) => T | undefined): Promise<void> {
    const write = this.writes.then(() => this.memento.update(key, next(this.memento.get<T>(key, fallback))));
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** The subscriptions to show, by id; undefined shows them all. */
  selectedSubscriptions(): string[] | undefined {
    return this.memento.get<string[]>(subscriptionsKey);
  }

  selectSubscriptions(ids: readonly string[] | undefined): Promise<void> {
    return this.change<string[] | undefined>(subscriptionsKey, undefined, () => (ids ? [...ids] : undefined));
  }

  /** Login servers added with Add Registry by Login Server. */
  addedLoginServers(): string[] {
    return this.memento.get<string[]>(loginServersKey, []);
  }

  addLoginServer(loginServer: string): Promise<void> {
    return this.change<string[]>(loginServersKey, [], (servers) => (servers.includes(loginServer) ? servers : [...servers, loginServer].sort()));
  }

  forgetLoginServer(loginServer: string): Promise<void> {
    return this.change<string[]>(loginServersKey, [], (servers) => servers.filter((server) => server !== loginServer));
  }

  /** Repositories opened by name in a registry whose catalog the user may not list. */
  openedRepositories(loginServer: string): string[] {
    return this.memento.get<Record<string, string[]>>(openedKey, {})[loginServer] ?? [];
  }

  rememberOpenedRepository(loginServer: string, repository: string): Promise<void> {
    return this.change<Record<string, string[]>>(openedKey, {}, (opened) => {
      const names = opened[loginServer] ?? [];
      return names.includes(repository) ? opened : { ...opened, [loginServer]: [...names, repository].sort() };
    });
  }
}
