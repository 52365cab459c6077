import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import * as vscode from 'vscode';
import { jwtExpiresOn } from '../acr/jwt';
import { AzureCloud } from '../azure/clouds';
import { NotSignedInError } from './errors';
import { VsCodeAccount } from './signInState';

/** VS Code's own sign-in: `microsoft` for the public cloud, `microsoft-sovereign-cloud` for the others. */
export function authenticationProviderId(cloud: AzureCloud): 'microsoft' | 'microsoft-sovereign-cloud' {
  return cloud.name === 'AzureCloud' ? 'microsoft' : 'microsoft-sovereign-cloud';
}

/**
 * A TokenCredential over VS Code's Microsoft account session (of the given account, when VS Code holds several).
 * Silent unless `interactive`: a background refresh must never pop up a sign-in, while a command the user ran may ask.
 */
export class VsCodeSessionCredential implements TokenCredential {
  constructor(
    private readonly cloud: AzureCloud,
    private readonly tenantId: string | undefined,
    private readonly interactive: boolean,
    private readonly account?: VsCodeAccount,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const tenant = options?.tenantId ?? this.tenantId;
    const requested = [...(Array.isArray(scopes) ? scopes : [scopes]), ...(tenant ? [`VSCODE_TENANT:${tenant}`] : [])];
    const session = await vscode.authentication.getSession(
      authenticationProviderId(this.cloud),
      requested,
      { ...(this.interactive ? { createIfNone: true } : { silent: true }), account: this.account },
    );
    // Throwing, not returning null: the Azure SDKs turn null into a vague "Failed to refresh access token".
    if (!session) throw new NotSignedInError(this.cloud.name === 'AzureCloud' ? 'Microsoft' : 'Microsoft Sovereign Cloud');
    return { token: session.accessToken, expiresOnTimestamp: expiresOn(session.accessToken) };
  }
}

/** VS Code does not say when a session's token expires; the token itself does (or, if unreadable, assume soon). */
function expiresOn(accessToken: string): number {
  try {
    return jwtExpiresOn(accessToken);
  } catch {
    return Date.now() + 5 * 60_000;
  }
}
