import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { AccountInfo } from '@azure/msal-node';
import * as l10n from '@vscode/l10n';

/** The client id @azure/identity signs people in with when none is given (the Azure CLI's public client). */
const developerSignOnClientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export interface BrowserSignInOptions {
  readonly authorityHost: string;
  readonly tenant: string;
  readonly clientId?: string;
  readonly disableInstanceDiscovery: boolean;
  readonly openBrowser: (url: string) => Promise<void>;
}

/**
 * Interactive browser sign-in (authorization code with PKCE, redirect to a loopback port) where the caller
 * opens the page: @azure/identity's InteractiveBrowserCredential always opens the system browser itself,
 * which is the wrong machine in a remote window.
 */
export async function createBrowserSignInCredential(options: BrowserSignInOptions): Promise<TokenCredential> {
  const msal = await import('@azure/msal-node');
  const authority = `${options.authorityHost.replace(/\/+$/, '')}/${options.tenant}`;
  const app = new msal.PublicClientApplication({
    auth: {
      clientId: options.clientId ?? developerSignOnClientId,
      authority,
      knownAuthorities: options.disableInstanceDiscovery ? [authority] : [],
    },
  });
  let account: AccountInfo | undefined;
  const signIn = async (scopes: string[], abortSignal: GetTokenOptions['abortSignal']): Promise<AccessToken> => {
    if (account) {
      try {
        const silent = await app.acquireTokenSilent({ account, scopes });
        return { token: silent.accessToken, expiresOnTimestamp: tokenExpiry(silent.expiresOn) };
      } catch (error) {
        if (!(error instanceof msal.InteractionRequiredAuthError)) throw error;
      }
    }
    if (abortSignal?.aborted) throw cancelled();
    let signInPage: URL | undefined;
    // MSAL waits on its loopback server until the browser comes back; cancelling means coming back with an error.
    const cancel = (): void => {
      const redirectUri = signInPage?.searchParams.get('redirect_uri');
      if (!redirectUri) return;
      const back = new URL(redirectUri);
      back.search = new URLSearchParams({ error: 'access_denied', error_description: 'Sign-in was cancelled.', state: signInPage?.searchParams.get('state') ?? '' }).toString();
      fetch(back).catch(() => undefined);
    };
    abortSignal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await app.acquireTokenInteractive({
        scopes,
        openBrowser: async (url) => {
          signInPage = new URL(url);
          if (abortSignal?.aborted) return cancel();
          await options.openBrowser(url);
        },
        prompt: 'select_account',
        successTemplate: 'Signed in. You can close this page and return to VS Code.',
        errorTemplate: 'Sign-in failed: {error}. Return to VS Code and try again.',
      });
      account = result.account ?? undefined;
      return { token: result.accessToken, expiresOnTimestamp: tokenExpiry(result.expiresOn) };
    } catch (error) {
      throw abortSignal?.aborted ? cancelled() : error;
    } finally {
      abortSignal?.removeEventListener('abort', cancel);
    }
  };
  return {
    getToken: (scopes: string | string[], getTokenOptions?: GetTokenOptions) => signIn([scopes].flat(), getTokenOptions?.abortSignal),
  };
}

function cancelled(): Error {
  const error = new Error(l10n.t('Sign-in was cancelled.'));
  error.name = 'AbortError';
  return error;
}

function tokenExpiry(expiresOn: Date | null): number {
  if (!expiresOn) throw new Error(l10n.t('The sign-in answer had no token expiry.'));
  return expiresOn.getTime();
}
