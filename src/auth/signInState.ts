import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { Audience, AudienceStore } from '../acr/tokenClient';
import type { IdentitySource } from './identitySources';
import { RegistryFiles } from './registryFiles';

/** One of the Microsoft accounts VS Code holds (its id and label are no secret). */
export interface VsCodeAccount {
  readonly id: string;
  readonly label: string;
}

/**
 * How the user signed in to Entra: VS Code's Microsoft account (the default; which one, when VS Code holds
 * several) or an @azure/identity source.
 */
export type SignInSource = { readonly kind: 'vscode'; readonly account?: VsCodeAccount } | IdentitySource;

/** A source a person signs in with (a device code, or a page in their browser): see UserSignIn. */
export type PersonSource = Extract<IdentitySource, { kind: 'deviceCode' | 'interactiveBrowser' }>;

export function isPersonSource(source: SignInSource): source is PersonSource {
  return source.kind === 'deviceCode' || source.kind === 'interactiveBrowser';
}

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
  /** VS Code logins: which of VS Code's Microsoft accounts, so renewals use that one. */
  readonly vscodeAccount?: VsCodeAccount;
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
/** Where Docker logins were kept before they had a file each: one Memento value, imported once. */
const oldDockerLoginsKey = 'acrAccess.dockerLogins';
const audiencesKey = 'acrAccess.audiences';

function isDockerLogin(value: unknown): value is DockerLogin {
  const login = value as Partial<DockerLogin> | null;
  return typeof login?.loginServer === 'string' && typeof login.via === 'string' && typeof login.username === 'string' && typeof login.loggedInAt === 'number';
}

/**
 * Memento writes, one after the other. VS Code echoes a stored value back into the extension host once it is
 * saved, so a change made while an earlier one is still being saved can be overwritten by that echo: two
 * registries logged in at once would leave only one remembered.
 */
class QueuedMemento {
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly memento: vscode.Memento) {}

  get<T>(key: string, fallback: T): T {
    return this.memento.get<T>(key, fallback);
  }

  /** Queues a change of one key, computed from its value when the change's turn comes. */
  change<T>(key: string, fallback: T, next: (current: T) => T | undefined): Promise<void> {
    const write = this.writes.then(() => this.memento.update(key, next(this.memento.get<T>(key, fallback))));
    this.writes = write.catch(() => undefined);
    return write;
  }
}

/** The Entra token audience each registry's exchange accepted last time (docs/protocol.md section 3). */
class RememberedAudiences implements AudienceStore {
  constructor(private readonly memento: QueuedMemento) {}

  get(loginServer: string): Audience | undefined {
    return this.memento.get<Record<string, Audience>>(audiencesKey, {})[loginServer];
  }

  set(loginServer: string, audience: Audience): Promise<void> {
    return this.memento.change<Record<string, Audience>>(audiencesKey, {}, (audiences) => ({ ...audiences, [loginServer]: audience }));
  }
}

/** Secrets in SecretStorage, one per name under a common prefix. */
class NamedSecrets {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly prefix: string,
  ) {}

  get(name: string): Thenable<string | undefined> {
    return this.secrets.get(`${this.prefix}.${name}`);
  }

  async set(name: string, secret: string | undefined): Promise<void> {
    const key = `${this.prefix}.${name}`;
    await (secret === undefined ? this.secrets.delete(key) : this.secrets.store(key, secret));
  }
}

/** The listeners of one change. */
class Listeners {
  private readonly listeners = new Set<() => void>();

  add(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  fire(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * What the extension remembers across reloads: metadata in Memento, secrets in SecretStorage, and Docker logins
 * in files of their own (`docker-logins/` in the global storage folder, one per registry). VS Code writes an
 * extension's whole Memento as one value, from each window's own copy, so a login one window added could be
 * lost to another window's next write; files written one per registry cannot lose another's.
 */
export class SignInState {
  private readonly memento: QueuedMemento;
  private readonly dockerLoginFiles: RegistryFiles<DockerLogin>;
  private readonly loginListeners = new Listeners();
  private readonly sourceListeners = new Listeners();
  private readonly servicePrincipalSecrets: NamedSecrets;
  private readonly dockerSecrets: NamedSecrets;
  /** Which audience each registry accepted, for the token clients. */
  readonly audiences: AudienceStore;

  constructor(memento: vscode.Memento, secrets: vscode.SecretStorage, globalStorageFolder: string) {
    this.memento = new QueuedMemento(memento);
    const oldDockerLogins = () => Object.values(memento.get<Record<string, DockerLogin>>(oldDockerLoginsKey, {})).filter(isDockerLogin);
    this.dockerLoginFiles = new RegistryFiles(join(globalStorageFolder, 'docker-logins'), isDockerLogin, oldDockerLogins, () => this.loginListeners.fire());
    // Imported (now or by an earlier start); a removal that fails is tried at the next start.
    if (memento.get(oldDockerLoginsKey) !== undefined) void this.memento.change(oldDockerLoginsKey, undefined, () => undefined).catch(() => undefined);
    this.audiences = new RememberedAudiences(this.memento);
    this.servicePrincipalSecrets = new NamedSecrets(secrets, 'acrAccess.servicePrincipalSecret');
    this.dockerSecrets = new NamedSecrets(secrets, 'acrAccess.dockerSecret');
  }

  get source(): SignInSource | undefined {
    return this.memento.get<SignInSource | undefined>(sourceKey, undefined);
  }

  async setSource(source: SignInSource | undefined): Promise<void> {
    await this.memento.change<SignInSource | undefined>(sourceKey, undefined, () => source);
    this.sourceListeners.fire();
  }

  /** Called after the user signed in with another source, or signed out, in this window. */
  onDidChangeSource(listener: () => void): { dispose(): void } {
    return this.sourceListeners.add(listener);
  }

  /** In the order they were logged in to. */
  get dockerLogins(): DockerLogin[] {
    return this.dockerLoginFiles.values().sort((a, b) => a.loggedInAt - b.loggedInAt || a.loginServer.localeCompare(b.loginServer));
  }

  /** Called after a Docker login is saved or removed, in this window or another. */
  onDidChangeDockerLogins(listener: () => void): { dispose(): void } {
    return this.loginListeners.add(listener);
  }

  async saveDockerLogin(login: DockerLogin): Promise<void> {
    await this.dockerLoginFiles.write(login);
    this.loginListeners.fire();
  }

  async removeDockerLogin(loginServer: string): Promise<void> {
    await this.dockerLoginFiles.remove(loginServer);
    this.loginListeners.fire();
  }

  /** The client secret of a service principal source. */
  servicePrincipalSecret(clientId: string): Thenable<string | undefined> {
    return this.servicePrincipalSecrets.get(clientId);
  }

  setServicePrincipalSecret(clientId: string, secret: string | undefined): Promise<void> {
    return this.servicePrincipalSecrets.set(clientId, secret);
  }

  /** The secret last handed to Docker for a registry (ACR refresh token or password), to take back exactly that. */
  dockerSecret(loginServer: string): Thenable<string | undefined> {
    return this.dockerSecrets.get(loginServer);
  }

  setDockerSecret(loginServer: string, secret: string | undefined): Promise<void> {
    return this.dockerSecrets.set(loginServer, secret);
  }

  dispose(): void {
    this.dockerLoginFiles.dispose();
  }
}
