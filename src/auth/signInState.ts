import type * as vscode from 'vscode';
import type { Audience } from '../acr/tokenClient';
import { IdentitySource } from './identitySources';

/** How the user signed in to Entra: VS Code's Microsoft account (the default) or an @azure/identity source. */
export type SignInSource = { readonly kind: 'vscode' } | IdentitySource;

export type DockerLoginVia = 'entra' | 'adminUser' | 'repositoryToken';

/** A registry Docker was logged in to by this extension. Nothing secret: secrets live in SecretStorage. */
export interface DockerLogin {
  readonly loginServer: string;
  /** The registry's name, when ARM listed it. */
  readonly registryName?: string;
  readonly via: DockerLoginVia;
  /** The tenant whose token reached the registry (Entra logins). */
  readonly tenantId?: string;
  /** Entra logins: how the user signed in, and as whom (sign-in name or client id), for display. */
  readonly source?: SignInSource['kind'];
  readonly account?: string;
  /** What Docker was given as the user name: the null GUID for an ACR refresh token. */
  readonly username: string;
  /** When the user logged in (renewals keep it), so logging in again with a new password is told apart. */
  readonly loggedInAt: number;
  /** When the credential handed to Docker stops working, in ms since the epoch; unknown for passwords without expiry. */
  readonly expiresOn?: number;
  /** Whether the credential was written to Docker's config (or its credential helper). */
  readonly persisted: boolean;
  /** Whether ARM listed the registry, which makes its login server trusted with Entra tokens. */
  readonly fromArm: boolean;
}

const sourceKey = 'acrAccess.signInSource';
const dockerLoginsKey = 'acrAccess.dockerLogins';
const audiencesKey = 'acrAccess.audiences';

/** What the extension remembers across reloads: metadata in Memento, secrets in SecretStorage. */
export class SignInState {
  /**
   * Memento writes, one after the other. VS Code echoes a stored value back into the extension host once it
   * is saved, so a change made while an earlier one is still being saved can be overwritten by that echo:
   * two registries logged in at once would leave only one remembered.
   */
  private writes: Promise<void> = Promise.resolve();
  private readonly loginListeners = new Set<() => void>();
  private readonly sourceListeners = new Set<() => void>();

  constructor(
    private readonly memento: vscode.Memento,
    private readonly secrets: vscode.SecretStorage,
  ) {}

  /** Queues a change of one Memento key, computed from its value when the change's turn comes. */
  private change<T>(key: string, fallback: T, next: (current: T) => T | undefined): Promise<void> {
    const write = this.writes.then(() => this.memento.update(key, next(this.memento.get<T>(key, fallback))));
    this.writes = write.catch(() => undefined);
    return write;
  }

  get source(): SignInSource | undefined {
    return this.memento.get<SignInSource>(sourceKey);
  }

  async setSource(source: SignInSource | undefined): Promise<void> {
    await this.change<SignInSource | undefined>(sourceKey, undefined, () => source);
    for (const listener of this.sourceListeners) listener();
  }

  /** Called after the user signed in with another source, or signed out, in this window. */
  onDidChangeSource(listener: () => void): { dispose(): void } {
    this.sourceListeners.add(listener);
    return { dispose: () => this.sourceListeners.delete(listener) };
  }

  get dockerLogins(): DockerLogin[] {
    return Object.values(this.memento.get<Record<string, DockerLogin>>(dockerLoginsKey, {}));
  }

  /** Called after a Docker login is saved or removed in this window. */
  onDidChangeDockerLogins(listener: () => void): { dispose(): void } {
    this.loginListeners.add(listener);
    return { dispose: () => this.loginListeners.delete(listener) };
  }

  async saveDockerLogin(login: DockerLogin): Promise<void> {
    await this.change<Record<string, DockerLogin>>(dockerLoginsKey, {}, (logins) => ({ ...logins, [login.loginServer]: login }));
    for (const listener of this.loginListeners) listener();
  }

  async removeDockerLogin(loginServer: string): Promise<void> {
    await this.change<Record<string, DockerLogin>>(dockerLoginsKey, {}, (logins) => {
      const rest = { ...logins };
      delete rest[loginServer];
      return rest;
    });
    for (const listener of this.loginListeners) listener();
  }

  /** The Entra token audience a registry's exchange accepted last time. */
  audience(loginServer: string): Audience | undefined {
    return this.memento.get<Record<string, Audience>>(audiencesKey, {})[loginServer];
  }

  setAudience(loginServer: string, audience: Audience): Promise<void> {
    return this.change<Record<string, Audience>>(audiencesKey, {}, (audiences) => ({ ...audiences, [loginServer]: audience }));
  }

  /** The client secret of a service principal source. */
  servicePrincipalSecret(clientId: string): Thenable<string | undefined> {
    return this.secrets.get(`acrAccess.servicePrincipalSecret.${clientId}`);
  }

  async setServicePrincipalSecret(clientId: string, secret: string | undefined): Promise<void> {
    const key = `acrAccess.servicePrincipalSecret.${clientId}`;
    await (secret === undefined ? this.secrets.delete(key) : this.secrets.store(key, secret));
  }

  /** The secret last handed to Docker for a registry (ACR refresh token or password), to take back exactly that. */
  dockerSecret(loginServer: string): Thenable<string | undefined> {
    return this.secrets.get(`acrAccess.dockerSecret.${loginServer}`);
  }

  async setDockerSecret(loginServer: string, secret: string | undefined): Promise<void> {
    const key = `acrAccess.dockerSecret.${loginServer}`;
    await (secret === undefined ? this.secrets.delete(key) : this.secrets.store(key, secret));
  }
}
