import type { TokenCredential } from '@azure/core-auth';
import { AzureCloud } from '../azure/clouds';
import { createIdentityCredential, SignInHooks } from './identitySources';
import { SignInSource } from './signInState';
import { VsCodeSessionCredential } from './vscodeSession';

/**
 * The signed-in Entra account: one credential per tenant for VS Code's account (it reaches every tenant
 * it belongs to), one in all for an @azure/identity source (bound to the tenant it was set up with).
 * Credentials are made once, so a device code or browser sign-in is asked for once.
 */
export class Account {
  private readonly credentials = new Map<string, Promise<TokenCredential>>();
  /** The same for every account of this sign-in (source and cloud), so caches can key on it (no secret in it). */
  readonly signIn: string;

  constructor(
    readonly source: SignInSource,
    private readonly cloud: AzureCloud,
    /** Whether its credentials may ask the user to sign in (commands), or must not (renewals on a timer). */
    readonly interactive: boolean,
    private readonly hooks: SignInHooks,
  ) {
    this.signIn = JSON.stringify([source, cloud]);
  }

  /** The credential for a tenant (the account's home tenant when undefined), made on first use. */
  credential(tenantId: string | undefined): TokenCredential {
    return { getToken: async (scopes, options) => (await this.resolve(tenantId)).getToken(scopes, options) };
  }

  private resolve(tenantId: string | undefined): Promise<TokenCredential> {
    const key = this.source.kind === 'vscode' ? (tenantId ?? '') : '';
    let credential = this.credentials.get(key);
    if (!credential) {
      credential =
        this.source.kind === 'vscode'
          ? Promise.resolve(new VsCodeSessionCredential(this.cloud, tenantId, this.interactive))
          : createIdentityCredential(this.source, this.cloud, this.hooks);
      // A source that could not be set up (a missing file, say) is tried afresh next time.
      credential.catch(() => this.credentials.delete(key));
      this.credentials.set(key, credential);
    }
    return credential;
  }
}
