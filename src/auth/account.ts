import type { TokenCredential } from '@azure/core-auth';
import { AzureCloud } from '../azure/clouds';
import type { SignInHooks } from './identitySources';
import { SignInSource } from './signInState';
import type { UserSignIn } from './userSignIn';
import { VsCodeSessionCredential } from './vscodeSession';

/**
 * The signed-in Entra account: one credential per tenant for VS Code's account and for a person's device code or
 * browser sign-in (both reach every tenant the account belongs to), one in all for the other @azure/identity
 * sources (bound to the tenant they were set up with). Only VS Code's account, in a command, may ask the user
 * anything; a device code or browser sign-in is asked for by ACR: Sign In alone (see UserSignIn).
 */
export class Account {
  private readonly credentials = new Map<string, Promise<TokenCredential>>();
  /** The same for every account of this sign-in (source and cloud), so caches can key on it (no secret in it). */
  readonly signIn: string;

  constructor(
    readonly source: SignInSource,
    private readonly cloud: AzureCloud,
    /** Whether VS Code may ask the user to sign in to the account (commands), or must not (renewals on a timer). */
    readonly interactive: boolean,
    private readonly hooks: SignInHooks,
    /** For a device code or browser source: its sign-in (loaded on first use). */
    private readonly userSignIn?: () => Promise<UserSignIn>,
  ) {
    this.signIn = JSON.stringify([source, cloud]);
  }

  /** The credential for a tenant (the account's home tenant when undefined), made on first use. */
  credential(tenantId: string | undefined): TokenCredential {
    const userSignIn = this.userSignIn;
    if (userSignIn) return { getToken: async (scopes, options) => (await userSignIn()).credential(tenantId).getToken(scopes, options) };
    return { getToken: async (scopes, options) => (await this.resolve(tenantId)).getToken(scopes, options) };
  }

  private resolve(tenantId: string | undefined): Promise<TokenCredential> {
    const key = this.source.kind === 'vscode' ? (tenantId ?? '') : '';
    let credential = this.credentials.get(key);
    if (!credential) {
      credential =
        this.source.kind === 'vscode'
          ? // Only the account itself is asked for; another tenant that wants the user (MFA) is signed in to from its tree node.
            Promise.resolve(new VsCodeSessionCredential(this.cloud, tenantId, this.interactive && tenantId === undefined, this.source.account))
          : import('./identitySources').then(({ createIdentityCredential }) => createIdentityCredential(this.source, this.cloud, this.hooks));
      // A source that could not be set up (a missing file, say) is tried afresh next time.
      credential.catch(() => this.credentials.delete(key));
      this.credentials.set(key, credential);
    }
    return credential;
  }
}
