import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { AccountInfo, AuthenticationResult, DeviceCodeRequest, ICachePlugin, PublicClientApplication } from '@azure/msal-node';
import * as l10n from '@vscode/l10n';
import { AzureCloud, scopeFor } from '../azure/clouds';
import { untilAborted } from '../acr/tokenClient';
import { SignInRequiredError } from './errors';
import { isMultiTenant } from './identitySources';
import type { PersonSource } from './signInState';

/** The client id a person signs in with when none is given (the Azure CLI's public client, as @azure/identity uses). */
const developerSignOnClientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export interface DeviceCodePrompt {
  readonly userCode: string;
  readonly verificationUri: string;
  /** Entra's own sentence telling the person where to go and what to type. */
  readonly message: string;
}

/** Where the account and MSAL's token cache (which holds refresh tokens) are kept: VS Code's SecretStorage. */
export interface SecretSlots {
  get(key: string): Thenable<string | undefined>;
  store(key: string, value: string): Thenable<void>;
  delete(key: string): Thenable<void>;
}

/** How an interactive sign-in talks to the person; given to `signIn` alone, so nothing else can prompt. */
export interface SignInPrompts {
  /** Shows the code to type, until the sign-in settles. */
  showDeviceCode(prompt: DeviceCodePrompt): void;
  /** Opens the sign-in page in the person's browser. */
  openBrowser(url: string): Promise<void>;
}

const tokenCacheKey = 'acrAccess.entraTokenCache';
const accountKey = 'acrAccess.entraAccount';

/** Who signed in, for which sign-in: a new sign-in description (another tenant or method) does not reuse it. */
interface StoredAccount {
  readonly signIn: string;
  readonly homeAccountId: string;
  readonly username: string;
}

/**
 * A person's device code or browser sign-in through MSAL (docs/architecture.md, "A sign-in, step by step"). `signIn` asks the
 * person once (one device code, or one browser page) and waits as long as Entra lets the code live, or until
 * cancelled; the credentials it hands out only ever ask MSAL silently, using the refresh token that sign-in
 * left, for every tenant the account belongs to. The account and MSAL's cache live in SecretStorage, so a reload
 * or another window signs in without asking again. A timer that finds the sign-in ended gets a
 * SignInRequiredError; it never opens anything.
 */
export class UserSignIn {
  private app: Promise<PublicClientApplication> | undefined;
  private interactive: Promise<string> | undefined;
  private readonly signInKey: string;

  constructor(
    private readonly source: PersonSource,
    private readonly cloud: AzureCloud,
    private readonly secrets: SecretSlots,
  ) {
    this.signInKey = JSON.stringify([source.kind, source.tenant, this.clientId, cloud.authorityHost]);
  }

  /** A credential for a tenant (the sign-in's own tenant when undefined) that never asks the person anything. */
  credential(tenantId: string | undefined): TokenCredential {
    return {
      getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> => {
        const tenant = options?.tenantId ?? tenantId ?? this.source.tenant;
        return this.silentToken([scopes].flat(), tenant);
      },
    };
  }

  /**
   * Asks the person to sign in, once: a second call while one is under way joins it. Resolves with the account's
   * user name; rejects with an AbortError when `signal` aborts (the code stops being polled, the page's loopback
   * port is closed). `tenant`: a tenant that wants the person to sign in there (MFA), rather than the sign-in's own.
   */
  signIn(prompts: SignInPrompts, signal: AbortSignal, tenant?: string): Promise<string> {
    this.interactive ??= this.signInInteractively(prompts, signal, tenant ?? this.source.tenant).finally(() => (this.interactive = undefined));
    return this.interactive;
  }

  /** Forgets the account and every token MSAL kept for it. */
  async signOut(): Promise<void> {
    await this.secrets.delete(accountKey);
    await this.secrets.delete(tokenCacheKey);
  }

  private get clientId(): string {
    return this.source.clientId ?? developerSignOnClientId;
  }

  private authority(tenant: string): string {
    return `${this.cloud.authorityHost.replace(/\/+$/, '')}/${tenant}`;
  }

  private application(): Promise<PublicClientApplication> {
    this.app ??= (async () => {
      const msal = await import('@azure/msal-node');
      const authority = this.authority(this.source.tenant);
      // The cache is read before and written after every MSAL call, so windows see each other's refreshed tokens.
      const cachePlugin: ICachePlugin = {
        beforeCacheAccess: async (context) => {
          const stored = await this.secrets.get(tokenCacheKey);
          if (stored) context.tokenCache.deserialize(stored);
        },
        afterCacheAccess: async (context) => {
          if (context.cacheHasChanged) await this.secrets.store(tokenCacheKey, context.tokenCache.serialize());
        },
      };
      return new msal.PublicClientApplication({
        auth: {
          clientId: this.clientId,
          authority,
          // A custom cloud's authority is taken as given; instance discovery asks the public cloud about it.
          knownAuthorities: this.cloud.name === 'custom' ? [new URL(authority).host] : [],
        },
        cache: { cachePlugin },
      });
    })();
    return this.app;
  }

  private async storedAccount(): Promise<StoredAccount | undefined> {
    try {
      const stored = JSON.parse((await this.secrets.get(accountKey)) ?? 'null') as StoredAccount | null;
      return stored?.signIn === this.signInKey ? stored : undefined;
    } catch {
      return undefined;
    }
  }

  private async silentToken(scopes: string[], tenant: string): Promise<AccessToken> {
    const stored = await this.storedAccount();
    const app = await this.application();
    const account = stored && (await app.getTokenCache().getAccountByHomeId(stored.homeAccountId));
    if (!stored || !account) throw new SignInRequiredError(this.methodName());
    const msal = await import('@azure/msal-node');
    try {
      // MSAL looks tokens up by the account's tenant before the authority's: name the tenant asked for on both.
      const inTenant = isMultiTenant(tenant) ? account : { ...account, tenantId: tenant };
      return accessToken(await app.acquireTokenSilent({ account: inTenant, scopes, authority: this.authority(tenant) }));
    } catch (error) {
      if (error instanceof msal.InteractionRequiredAuthError) throw new SignInRequiredError(this.methodName(), stored.username, error.errorCode);
      throw asSignInFailure(error);
    }
  }

  private async signInInteractively(prompts: SignInPrompts, signal: AbortSignal, tenant: string): Promise<string> {
    const app = await this.application();
    const scopes = [scopeFor(this.cloud.armAudience)];
    const authority = this.authority(tenant);
    try {
      const result = this.source.kind === 'deviceCode' ? await deviceCodeSignIn(app, { scopes, authority }, prompts, signal) : await browserSignIn(app, { scopes, authority }, prompts, signal);
      const account: AccountInfo | null | undefined = result?.account;
      if (!account) throw new Error(l10n.t('The sign-in answer named no account.'));
      const stored: StoredAccount = { signIn: this.signInKey, homeAccountId: account.homeAccountId, username: account.username };
      await this.secrets.store(accountKey, JSON.stringify(stored));
      return account.username;
    } catch (error) {
      throw signal.aborted ? cancelled() : asSignInFailure(error);
    }
  }

  private methodName(): string {
    return this.source.kind === 'deviceCode' ? l10n.t('device code') : l10n.t('browser');
  }
}

interface Authorization {
  readonly scopes: string[];
  readonly authority: string;
}

/** One device code, polled until Entra's `expires_in` ends or `signal` aborts. */
async function deviceCodeSignIn(app: PublicClientApplication, authorization: Authorization, prompts: SignInPrompts, signal: AbortSignal): Promise<AuthenticationResult | null> {
  const request: DeviceCodeRequest = {
    ...authorization,
    deviceCodeCallback: (response) => prompts.showDeviceCode({ userCode: response.userCode, verificationUri: response.verificationUri, message: response.message }),
  };
  // MSAL looks at `cancel` before each poll; the abort settles at once rather than at the next poll.
  const stop = (): void => {
    request.cancel = true;
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await untilAborted(app.acquireTokenByDeviceCode(request), signal);
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * The authorization code flow with PKCE, redirected to a loopback port MSAL listens on. The page is opened
 * through the prompts (VS Code's openExternal), not by MSAL, which would open it on the wrong machine in a
 * remote window. Cancelling comes back to that port with an error, which ends MSAL's wait.
 */
async function browserSignIn(app: PublicClientApplication, authorization: Authorization, prompts: SignInPrompts, signal: AbortSignal): Promise<AuthenticationResult> {
  let signInPage: URL | undefined;
  const cancel = (): void => {
    const redirectUri = signInPage?.searchParams.get('redirect_uri');
    if (!redirectUri) return;
    const back = new URL(redirectUri);
    back.search = new URLSearchParams({ error: 'access_denied', error_description: 'Sign-in was cancelled.', state: signInPage?.searchParams.get('state') ?? '' }).toString();
    fetch(back).catch(() => undefined);
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await app.acquireTokenInteractive({
      ...authorization,
      openBrowser: async (url) => {
        signInPage = new URL(url);
        if (signal.aborted) return cancel();
        await prompts.openBrowser(url);
      },
      prompt: 'select_account',
      successTemplate: 'Signed in. You can close this page and return to VS Code.',
      errorTemplate: 'Sign-in failed: {error}. Return to VS Code and try again.',
    });
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function accessToken(result: AuthenticationResult): AccessToken {
  if (!result.expiresOn) throw new Error(l10n.t('The sign-in answer had no token expiry.'));
  return { token: result.accessToken, expiresOnTimestamp: result.expiresOn.getTime() };
}

/**
 * MSAL's failures reported as @azure/identity reports them (an AuthenticationRequiredError whose message starts
 * with Entra's error code), which is how the failure advice tells a throttled or unreachable Entra from a refusal.
 */
function asSignInFailure(error: unknown): unknown {
  const { errorCode, errorMessage } = (error ?? {}) as { errorCode?: unknown; errorMessage?: unknown };
  if (typeof errorCode !== 'string' || error instanceof SignInRequiredError) return error;
  const failure = new Error(`${errorCode}: ${typeof errorMessage === 'string' ? errorMessage : ''}`, { cause: error });
  failure.name = 'AuthenticationRequiredError';
  return failure;
}

function cancelled(): Error {
  const error = new Error(l10n.t('Sign-in was cancelled.'));
  error.name = 'AbortError';
  return error;
}
