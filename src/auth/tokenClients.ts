import type { TokenCredential } from '@azure/core-auth';
import type { AcrTokenClient } from '../acr/tokenClient';

/** The part of a signed-in account (`Account`) the token-client cache keys on. */
export interface TokenClientAccount {
  /** The same for every account of one sign-in (its source and cloud), whether it may prompt or not. */
  readonly signIn: string;
  /** Whether it may prompt: a client made for one that may is never handed to one that must not. */
  readonly interactive: boolean;
  credential(tenantId: string | undefined): TokenCredential;
}

/**
 * One ACR token client per account and tenant, so tokens are cached and shared by Docker logins, renewals and
 * the tree. Keyed by what the account is (sign-in, may prompt, tenant), not by the `Account` object, which is
 * made again when the source or cloud changes. Only the sign-in in use keeps clients: asking for an account of
 * another one drops the clients of the earlier one, and `clear` (sign-out, VS Code's account changed) drops all.
 */
export class TokenClients {
  private signIn: string | undefined;
  private readonly clients = new Map<string, AcrTokenClient>();

  constructor(private readonly create: (credential: TokenCredential) => AcrTokenClient) {}

  /** The client for this account and tenant (its home tenant when undefined), made on first use. */
  for(account: TokenClientAccount, tenantId: string | undefined): AcrTokenClient {
    if (account.signIn !== this.signIn) {
      this.clients.clear();
      this.signIn = account.signIn;
    }
    const key = JSON.stringify([account.interactive, tenantId ?? '']);
    let client = this.clients.get(key);
    if (!client) {
      client = this.create(account.credential(tenantId));
      this.clients.set(key, client);
    }
    return client;
  }

  /** Drops every client's tokens for one registry (logged out), so the next use exchanges afresh. */
  forget(loginServer: string): void {
    for (const client of this.clients.values()) client.forget(loginServer);
  }

  clear(): void {
    this.clients.clear();
    this.signIn = undefined;
  }

  /** How many clients are kept. */
  get size(): number {
    return this.clients.size;
  }
}
