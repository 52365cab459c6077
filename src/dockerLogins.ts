import { Account } from './auth/account';
import { DockerLogin, SignInState } from './auth/signInState';
import { AcrTokenClient, Audience } from './acr/tokenClient';
import { HostTrust } from './acr/loginServer';
import { checkPasswordCredentials } from './acr/passwordAuth';
import { AzureCloud } from './azure/clouds';
import { RegistrySummary } from './azure/registries';
import { connectDockerEngine, DockerEngineConnection } from './docker/engine';
import { handOffToDocker, withdrawFromDocker } from './docker/handoff';

/** The user name that tells Docker its password is an ACR refresh token (ACR-PROTOCOL.md section 5). */
export const refreshTokenUsername = '00000000-0000-0000-0000-000000000000';

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
}

/**
 * Gets Docker logged in to registries: an ACR refresh token for the signed-in account (or a registry's own
 * user name and password), checked by the Docker engine, then saved as `docker login` would save it.
 * Remembers what it wrote, so logging out removes exactly that.
 */
export class DockerLogins {
  /** Login servers ARM returned this session: Entra tokens may go to them (ACR-PROTOCOL.md section 1). */
  private readonly armLoginServers = new Set<string>();
  private readonly tokenClients = new Map<string, AcrTokenClient>();
  private engine: Promise<DockerEngineConnection> | undefined;

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
  }

  /** The Docker engine, found and connected on first use; a failed attempt is retried next time. */
  private connectEngine(): Promise<DockerEngineConnection> {
    this.engine ??= connectDockerEngine().catch((error: unknown) => {
      this.engine = undefined;
      throw error;
    });
    return this.engine;
  }

  /**
   * Checks the credential with the engine, then saves it for the docker CLI unless the user chose not to.
   * The secret is kept in SecretStorage so logging out removes this credential and not one the user saved since.
   */
  private async handOff(serverAddress: string, username: string, secret: string, signal?: AbortSignal): Promise<boolean> {
    const { persisted } = await handOffToDocker(
      { serverAddress, username, secret },
      { engine: await this.connectEngine(), persist: this.settings().saveForDocker, environment: { env: process.env }, signal },
    );
    await this.state.setDockerSecret(serverAddress, secret);
    return persisted;
  }

  /** Registries ARM listed, so their login servers are trusted with Entra tokens. */
  rememberListed(registries: readonly RegistrySummary[]): void {
    for (const registry of registries) this.armLoginServers.add(registry.loginServer);
  }

  /** One token client per account and tenant, so tokens are cached and shared across commands. */
  private tokenClient(account: Account, tenantId: string | undefined): AcrTokenClient {
    const key = `${JSON.stringify(account.source)}\n${tenantId ?? ''}`;
    let client = this.tokenClients.get(key);
    if (!client) {
      client = new AcrTokenClient({
        credential: account.credential(tenantId),
        trust: this.trust,
        audienceStore: { get: (loginServer) => this.state.audience(loginServer), set: (loginServer, audience) => this.state.setAudience(loginServer, audience) },
      });
      this.tokenClients.set(key, client);
    }
    return client;
  }

  /** Logs Docker in to one registry with the account; resolves with what was recorded. */
  async logInWithAccount(account: Account, target: RegistryToLogIn, signal?: AbortSignal): Promise<DockerLogin> {
    const tenantId = target.registry?.subscription.tenantId;
    const preferredAudience: Audience | undefined = target.registry && !target.registry.acceptsArmAudienceTokens ? 'acr' : undefined;
    const { token, expiresOn } = await this.tokenClient(account, tenantId).refreshToken({ loginServer: target.loginServer, tenantId, preferredAudience }, { signal });
    const persisted = await this.handOff(target.loginServer, refreshTokenUsername, token, signal);
    const login: DockerLogin = {
      loginServer: target.loginServer,
      registryName: target.registry?.name,
      via: 'entra',
      tenantId,
      username: refreshTokenUsername,
      expiresOn,
      persisted,
      fromArm: target.registry !== undefined,
    };
    await this.state.saveDockerLogin(login);
    return login;
  }

  /** Logs Docker in with a registry's admin user or a repository-scoped token's name and password. */
  async logInWithPassword(
    via: 'adminUser' | 'repositoryToken',
    loginServer: string,
    username: string,
    password: string,
    signal?: AbortSignal,
  ): Promise<DockerLogin> {
    await checkPasswordCredentials({ loginServer }, { username, password }, { trust: this.trust, signal });
    const persisted = await this.handOff(loginServer, username, password, signal);
    const login: DockerLogin = { loginServer, via, username, persisted, fromArm: false };
    await this.state.saveDockerLogin(login);
    return login;
  }

  /** Removes what this extension gave Docker for a registry, and forgets its tokens. */
  async logOut(loginServer: string): Promise<void> {
    const login = this.state.dockerLogins.find((candidate) => candidate.loginServer === loginServer);
    if (!login) return;
    const secret = await this.state.dockerSecret(loginServer);
    if (login.persisted && secret) await withdrawFromDocker({ serverAddress: loginServer, username: login.username, secret });
    for (const client of this.tokenClients.values()) client.forget(loginServer);
    await this.state.setDockerSecret(loginServer, undefined);
    await this.state.removeDockerLogin(loginServer);
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
