import { Account } from './auth/account';
import { DockerLogin, SignInState } from './auth/signInState';
import { TokenClients } from './auth/tokenClients';
import { AcrTokenClient, acrTokenUsername, Audience } from './acr/tokenClient';
import { HostTrust } from './acr/loginServer';
import { accessTokenWithPassword, checkPasswordCredentials } from './acr/passwordAuth';
import { fromAbacRegistry } from './acr/jwt';
import { RegistryContent } from './acr/registryContent';
import type { RequestLimits } from './acr/http';
import { AcrToken } from './acr/protocol';
import { AzureCloud } from './azure/clouds';
import { RegistrySummary } from './azure/registries';
import { connectDockerEngine, DockerEngineConnection, EnginePreference, processEngineEnvironment } from './docker/engine';
import { CredentialToErase } from './docker/credentials';
import { handOffToDocker, withdrawFromDocker } from './docker/handoff';
import { PullCredential } from './docker/pull';

export interface RegistryToLogIn {
  readonly loginServer: string;
  /** What ARM said about it, when it was listed rather than typed. */
  readonly registry?: RegistrySummary;
}

export interface LoginSettings {
  readonly cloud: AzureCloud;
  readonly trustedHosts: readonly string[];
  /** Write the credential to Docker's config (or credential helper), not only to the engine. */
  readonly saveForDocker: boolean;
  /** The `acrAccess.engine` setting; 'auto' when absent. */
  readonly engine?: EnginePreference;
}

/**
 * Gets Docker logged in to registries: an ACR refresh token for the signed-in account (or a registry's own
 * user name and password), checked by the Docker engine, then saved as `docker login` would save it.
 * Remembers what it wrote, so logging out removes exactly that.
 */
export class DockerLogins {
  /** Login servers ARM returned this session: Entra tokens may go to them (docs/protocol.md section 1). */
  private readonly armLoginServers = new Set<string>();
  private readonly tokenClients: TokenClients;
  private engine: { readonly preference: EnginePreference; readonly connection: Promise<DockerEngineConnection> } | undefined;
  /** The last change under way per login server (see `inTurn`). */
  private readonly turns = new Map<string, Promise<void>>();

  /** Read at each use, so a changed setting applies at once. */
  private readonly trust: HostTrust;

  constructor(
    private readonly state: SignInState,
    private readonly settings: () => LoginSettings,
  ) {
    const armLoginServers = this.armLoginServers;
    this.trust = {
      get cloud() {
        return settings().cloud;
      },
      get armLoginServers() {
        return [...armLoginServers, ...state.dockerLogins.filter((login) => login.fromArm).map((login) => login.loginServer)];
      },
      get userTrustedHosts() {
        return settings().trustedHosts;
      },
    };
    this.tokenClients = new TokenClients((credential) => new AcrTokenClient({ credential, trust: this.trust, audienceStore: state.audiences }));
  }

  /** The engine, found and connected on first use and again when the setting changes; a failed attempt is retried next time. */
  connectEngine(): Promise<DockerEngineConnection> {
    const preference = this.settings().engine ?? 'auto';
    if (this.engine?.preference !== preference) {
      const engine = {
        preference,
        connection: connectDockerEngine(processEngineEnvironment(preference)).catch((error: unknown) => {
          if (this.engine === engine) this.engine = undefined;
          throw error;
        }),
      };
      this.engine = engine;
    }
    return this.engine.connection;
  }

  /**
   * Checks the credential with the engine, then saves it for the docker CLI unless the user chose not to.
   * The secret is kept in SecretStorage so logging out removes this credential and not one the user saved since.
   */
  private async handOff(serverAddress: string, username: string, secret: string, options: { persist: boolean; replacing?: CredentialToErase; signal?: AbortSignal }): Promise<boolean> {
    const { persisted } = await handOffToDocker({ serverAddress, username, secret }, { ...options, engine: await this.connectEngine(), environment: { env: process.env } });
    await this.state.setDockerSecret(serverAddress, secret);
    return persisted;
  }

  /**
   * Logging in to, renewing and logging out of one registry happen one after another: a renewal never writes
   * over a login made while it ran, nor brings back one logged out meanwhile.
   */
  private inTurn<T>(loginServer: string, change: () => Promise<T>): Promise<T> {
    const result = (this.turns.get(loginServer) ?? Promise.resolve()).then(change);
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(loginServer, done);
    void done.then(() => this.turns.get(loginServer) === done && this.turns.delete(loginServer));
    return result;
  }

  /** Which hosts may receive an Entra token now (docs/protocol.md section 1), for ACR: Diagnose Access. */
  hostTrust(): HostTrust {
    return this.trust;
  }

  /** Registries ARM listed, so their login servers are trusted with Entra tokens. */
  rememberListed(registries: readonly RegistrySummary[]): void {
    for (const registry of registries) this.armLoginServers.add(registry.loginServer);
  }

  /**
   * What a registry holds, read with the credential Docker was given for it when that is the registry's own
   * user name and password, and otherwise with the account's ACR tokens (cached and shared with Docker logins).
   */
  registryContent(
    account: Account,
    target: { loginServer: string; tenantId?: string; abac?: boolean; acceptsArmAudienceTokens?: boolean; mayAssignRoles?: () => Promise<boolean> },
    limits?: Partial<RequestLimits>,
  ): RegistryContent {
    const accessToken = this.accessTokenSource(account, target);
    const client = this.state.dockerLogins.some((login) => login.loginServer === target.loginServer && login.via !== 'entra') ? undefined : this.tokenClients.for(account, target.tenantId);
    return new RegistryContent({
      loginServer: target.loginServer,
      accessToken: async (scopes, signal) => (await accessToken(scopes, signal)).token,
      abac: target.abac,
      abacFromToken: client && (async () => fromAbacRegistry((await client.refreshToken({ loginServer: target.loginServer, tenantId: target.tenantId })).token)),
      mayAssignRoles: target.mayAssignRoles,
      limits,
    });
  }

  /**
   * ACR access tokens for a registry's scopes (docs/protocol.md section 4), with the same credential
   * `registryContent` reads with: the registry's own user name and password for such a login, otherwise the
   * account's ACR tokens.
   */
  accessTokenSource(account: Account, target: { loginServer: string; tenantId?: string; acceptsArmAudienceTokens?: boolean }): (scopes: readonly string[], signal?: AbortSignal) => Promise<AcrToken> {
    const { loginServer } = target;
    const passwordLogin = this.state.dockerLogins.find((login) => login.loginServer === loginServer && login.via !== 'entra');
    if (passwordLogin) {
      return async (scopes, signal) => {
        const password = (await this.state.dockerSecret(loginServer)) ?? '';
        return accessTokenWithPassword({ loginServer }, { username: passwordLogin.username, password }, scopes, { signal });
      };
    }
    const client = this.tokenClients.for(account, target.tenantId);
    const preferredAudience: Audience | undefined = target.acceptsArmAudienceTokens === false ? 'acr' : undefined;
    return (scopes, signal) => client.accessToken({ loginServer, tenantId: target.tenantId, preferredAudience }, scopes, { signal });
  }

  /**
   * What the engine needs to pull from a registry, passed with the pull itself so nothing has to be saved:
   * the registry's own user name and password for such a login, otherwise an ACR refresh token for the
   * account (`fresh` exchanges a new one, after the registry refused the last).
   */
  async pullCredential(account: Account, target: { loginServer: string; tenantId?: string }, fresh: boolean, signal?: AbortSignal): Promise<PullCredential> {
    const { loginServer } = target;
    const passwordLogin = this.state.dockerLogins.find((login) => login.loginServer === loginServer && login.via !== 'entra');
    if (passwordLogin) return { username: passwordLogin.username, password: (await this.state.dockerSecret(loginServer)) ?? '', serverAddress: loginServer };
    const client = this.tokenClients.for(account, target.tenantId);
    if (fresh) client.forget(loginServer);
    const refresh = await client.refreshToken({ loginServer, tenantId: target.tenantId }, { signal });
    return { username: acrTokenUsername, password: refresh.token, serverAddress: loginServer };
  }

  /** Logs Docker in to one registry with the account; resolves with what was recorded. */
  logInWithAccount(account: Account, target: RegistryToLogIn, signal?: AbortSignal): Promise<DockerLogin> {
    return this.inTurn(target.loginServer, async () => {
      const tenantId = target.registry?.subscription.tenantId;
      const preferredAudience: Audience | undefined = target.registry && !target.registry.acceptsArmAudienceTokens ? 'acr' : undefined;
      const refresh = await this.tokenClients.for(account, tenantId).refreshToken({ loginServer: target.loginServer, tenantId, preferredAudience }, { signal });
      const persisted = await this.handOff(target.loginServer, acrTokenUsername, refresh.token, { persist: this.settings().saveForDocker, signal });
      const login: DockerLogin = {
        loginServer: target.loginServer,
        registryName: target.registry?.name,
        via: 'entra',
        tenantId,
        source: account.source.kind,
        account: refresh.account,
        vscodeAccount: account.source.kind === 'vscode' ? account.source.account : undefined,
        username: acrTokenUsername,
        loggedInAt: Date.now(),
        expiresOn: refresh.expiresOn,
        persisted,
        fromArm: target.registry !== undefined,
      };
      await this.state.saveDockerLogin(login);
      return login;
    });
  }

  /**
   * Logs Docker in with a registry's admin user or a repository-scoped token's name and password. `listed`
   * names the registry when ARM listed it (the admin credentials came from there).
   */
  logInWithPassword(
    via: 'adminUser' | 'repositoryToken',
    loginServer: string,
    username: string,
    password: string,
    signal?: AbortSignal,
    listed?: { registryName: string },
  ): Promise<DockerLogin> {
    return this.inTurn(loginServer, async () => {
      await checkPasswordCredentials({ loginServer }, { username, password }, { signal });
      const persisted = await this.handOff(loginServer, username, password, { persist: this.settings().saveForDocker, signal });
      const login: DockerLogin = { loginServer, registryName: listed?.registryName, via, username, loggedInAt: Date.now(), persisted, fromArm: listed !== undefined };
      await this.state.saveDockerLogin(login);
      return login;
    });
  }

  /** Resolves when the registry accepts a user name and password (a token's fresh password, say); rejects with why not. */
  checkPassword(loginServer: string, username: string, password: string, signal?: AbortSignal): Promise<void> {
    return checkPasswordCredentials({ loginServer }, { username, password }, { signal });
  }

  /** Records when a login's password expires (a repository-scoped token's, as ARM reports it). */
  notePasswordExpiry(login: DockerLogin, expiresOn: number): Promise<DockerLogin> {
    return this.inTurn(login.loginServer, async () => {
      const noted = { ...login, expiresOn };
      await this.state.saveDockerLogin(noted);
      return noted;
    });
  }

  /**
   * Keeps a login working. An Entra login gets a new ACR refresh token, which the engine checks and which
   * replaces the old one where that was saved (not a credential someone stored since). A password login is
   * checked with the registry, so a password regenerated elsewhere shows up as `credentialsRejected`. A login
   * replaced or removed before this renewal's turn is left as it is now.
   */
  renew(account: Account, login: DockerLogin, signal?: AbortSignal): Promise<DockerLogin> {
    return this.inTurn(login.loginServer, async () => {
      const current = this.state.dockerLogins.find((candidate) => candidate.loginServer === login.loginServer);
      if (!current || current.loggedInAt !== login.loggedInAt) return current ?? login;
      const previousSecret = await this.state.dockerSecret(login.loginServer);
      if (login.via !== 'entra') {
        if (previousSecret) await checkPasswordCredentials({ loginServer: login.loginServer }, { username: login.username, password: previousSecret }, { signal });
        return login;
      }
      const client = this.tokenClients.for(account, login.tenantId);
      // The cached token is the one about to expire.
      client.forget(login.loginServer);
      const refresh = await client.refreshToken({ loginServer: login.loginServer, tenantId: login.tenantId }, { signal });
      const replacing = { serverAddress: login.loginServer, username: login.username, secret: previousSecret };
      const persisted = await this.handOff(login.loginServer, acrTokenUsername, refresh.token, { persist: login.persisted, replacing, signal });
      const renewed: DockerLogin = { ...login, account: refresh.account ?? login.account, expiresOn: refresh.expiresOn, persisted };
      await this.state.saveDockerLogin(renewed);
      return renewed;
    });
  }

  /**
   * Takes up a renewal another window made (its record, read under the renewal lock): this window remembers the
   * renewed login too, unless the registry was logged in again or out here since. The new credential is
   * already Docker's; the token cached here is the old one, so it goes.
   */
  adoptRenewal(login: DockerLogin, renewed: DockerLogin): Promise<void> {
    return this.inTurn(login.loginServer, async () => {
      const current = this.state.dockerLogins.find((candidate) => candidate.loginServer === login.loginServer);
      if (!current || current.loggedInAt !== login.loggedInAt) return;
      this.tokenClients.forget(login.loginServer);
      await this.state.saveDockerLogin(renewed);
    });
  }

  /** Removes what this extension gave Docker for a registry, and forgets its tokens. */
  logOut(loginServer: string): Promise<void> {
    return this.inTurn(loginServer, async () => {
      const login = this.state.dockerLogins.find((candidate) => candidate.loginServer === loginServer);
      if (!login) return;
      const secret = await this.state.dockerSecret(loginServer);
      if (login.persisted && secret) await withdrawFromDocker({ serverAddress: loginServer, username: login.username, secret });
      this.tokenClients.forget(loginServer);
      await this.state.setDockerSecret(loginServer, undefined);
      await this.state.removeDockerLogin(loginServer);
    });
  }

  /** Drops cached tokens, so the next request asks the account again (it changed or signed out). */
  forgetTokens(): void {
    this.tokenClients.clear();
  }

  /** Signs out: logs Docker out of every registry the extension logged in to, and drops the account's clients. */
  async logOutAll(): Promise<void> {
    for (const login of this.state.dockerLogins) await this.logOut(login.loginServer);
    this.tokenClients.clear();
    this.armLoginServers.clear();
  }
}
