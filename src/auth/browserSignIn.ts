import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { AccountInfo } from '@azure/msal-node';

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
  const signIn = async (scopes: string[]): Promise<AccessToken> => {
    if (account) {
      try {
        const silent = await app.acquireTokenSilent({ account, scopes });
        return { token: silent.accessToken, expiresOnTimestamp: tokenExpiry(silent.expiresOn) };
      } catch (error) {
        if (!(error instanceof msal.InteractionRequiredAuthError)) throw error;
      }
    }
    const result = await app.acquireTokenInteractive({
      scopes,
      openBrowser: options.openBrowser,
      prompt: 'select_account',
      successTemplate: 'Signed in. You can close this page and return to VS Code.',
      errorTemplate: 'Sign-in failed: {error}. Return to VS Code and try again.',
    });
    account = result.account ?? undefined;
    return { token: result.accessToken, expiresOnTimestamp: tokenExpiry(result.expiresOn) };
  };
  return {
    getToken: (scopes: string | string[]) => signIn([scopes].flat()),
  };
}

function tokenExpiry(expiresOn: Date | null): number {
  if (!expiresOn) throw new Error('The sign-in answer had no token expiry.');
  return expiresOn.getTime();
}
