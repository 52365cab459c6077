// A test-world stand-in for VS Code's built-in Microsoft sign-in: an authentication provider under the ids
// "microsoft" and "microsoft-sovereign-cloud" (which VS Code uses for custom clouds, as the emulator is one)
// whose sessions are real Entra tokens from the emulator, got through its device code flow.
// Configured through the environment of the code-server that loads it (see test/world/codeServer.ts):
//   ACR_EMULATED_AUTHORITY  the emulator's Entra authority host
//   ACR_EMULATED_CLIENT_ID  the public client id to sign in as
//   ACR_EMULATED_APPROVER   "<control url> <identity>": approve device codes as that user at once;
//                           without it the user is shown the code and the emulator's approval page
//   ACR_EMULATED_SIGNED_IN  "1": sign in at start, so a session exists before anyone asks
//   ACR_EMULATED_ACCOUNTS   "<identity> <identity>...": sign these users in at start, as several accounts
//   ACR_EMULATED_SIGN_IN_SCOPE  the scope of the first token, when a sign-in names no resource
import * as vscode from 'vscode';

const env = {
  authority: process.env.ACR_EMULATED_AUTHORITY ?? '',
  clientId: process.env.ACR_EMULATED_CLIENT_ID ?? '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
  approver: process.env.ACR_EMULATED_APPROVER,
  signedIn: process.env.ACR_EMULATED_SIGNED_IN === '1',
  accounts: (process.env.ACR_EMULATED_ACCOUNTS ?? '').split(' ').filter(Boolean),
  signInScope: process.env.ACR_EMULATED_SIGN_IN_SCOPE ?? '',
};

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

interface Account {
  refreshToken: string;
  id: string;
  label: string;
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

async function post(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(form) });
}

/** Splits VS Code's scope list into the tenant (VSCODE_TENANT:<id>) and the OAuth scopes. */
function parseScopes(scopes: readonly string[]): { tenant: string; scope: string } {
  const tenant = scopes.find((scope) => scope.startsWith('VSCODE_TENANT:'))?.slice('VSCODE_TENANT:'.length) ?? 'organizations';
  const scope = scopes.filter((item) => !item.startsWith('VSCODE_')).join(' ');
  return { tenant, scope };
}

class EmulatedMicrosoftAuth implements vscode.AuthenticationProvider {
  private readonly changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.changed.event;
  private readonly accounts = new Map<string, Account>();
  /** The sign-ins at start (ACR_EMULATED_SIGNED_IN, ACR_EMULATED_ACCOUNTS), which every question about sessions waits for. */
  private readonly initialSignIn = (async () => {
    if (env.signedIn) await this.createSession([]);
    for (const identity of env.accounts) await this.signIn([], identity);
  })();

  async getSessions(scopes: readonly string[] = [], options: vscode.AuthenticationProviderSessionOptions = {}): Promise<vscode.AuthenticationSession[]> {
    await this.initialSignIn;
    const accounts = [...this.accounts.values()].filter((account) => !options.account || account.id === options.account.id);
    const sessions = await Promise.all(accounts.map((account) => this.sessionFor(account, scopes)));
    return sessions.filter((session) => session !== undefined);
  }

  async createSession(scopes: readonly string[], options: vscode.AuthenticationProviderSessionOptions = {}): Promise<vscode.AuthenticationSession> {
    const known = options.account && this.accounts.get(options.account.id);
    const session = known && (await this.sessionFor(known, scopes));
    return session ?? this.signIn(scopes, env.approver?.split(' ')[1]);
  }

  /** Signs a user in with the device code flow; the approver approves as `identity`. */
  async signIn(scopes: readonly string[], identity: string | undefined): Promise<vscode.AuthenticationSession> {
    const { tenant, scope } = parseScopes(scopes);
    const tokens = await this.deviceCodeSignIn(tenant, `${scope || env.signInScope} openid profile offline_access`, identity);
    const idClaims = claims(tokens.id_token ?? tokens.access_token);
    const account = {
      refreshToken: tokens.refresh_token ?? '',
      id: String(idClaims.oid),
      label: String(idClaims.preferred_username ?? idClaims.name ?? idClaims.oid),
    };
    this.accounts.set(account.id, account);
    const session = this.session(account, scopes, tokens.access_token);
    this.changed.fire({ added: [session], removed: [], changed: [] });
    return session;
  }

  removeSession(sessionId?: string): Promise<void> {
    for (const account of [...this.accounts.values()].filter((candidate) => sessionId === undefined || candidate.id === sessionId)) {
      this.accounts.delete(account.id);
      this.changed.fire({ added: [], removed: [this.session(account, [], '')], changed: [] });
    }
    return Promise.resolve();
  }

  private async sessionFor(account: Account, scopes: readonly string[]): Promise<vscode.AuthenticationSession | undefined> {
    const { tenant, scope } = parseScopes(scopes);
    if (!scope) return this.session(account, scopes, '');
    const response = await post(`${env.authority}/${tenant}/oauth2/v2.0/token`, {
      grant_type: 'refresh_token',
      client_id: env.clientId,
      refresh_token: account.refreshToken,
      scope,
    });
    if (!response.ok) return undefined;
    const tokens = (await response.json()) as TokenResponse;
    return this.session(account, scopes, tokens.access_token);
  }

  private session(account: Account, scopes: readonly string[], accessToken: string): vscode.AuthenticationSession {
    return { id: account.id, accessToken, account: { id: account.id, label: account.label }, scopes };
  }

  private async deviceCodeSignIn(tenant: string, scope: string, identity: string | undefined): Promise<TokenResponse> {
    const start = await post(`${env.authority}/${tenant}/oauth2/v2.0/devicecode`, { client_id: env.clientId, scope });
    if (!start.ok) throw new Error(`device code request failed: ${start.status} ${await start.text()}`);
    const code = (await start.json()) as { device_code: string; user_code: string; verification_uri: string; interval: number };
    if (env.approver && identity) {
      const control = env.approver.split(' ')[0];
      await fetch(`${control}/device-codes/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userCode: code.user_code, identity }),
      });
    } else {
      void vscode.window
        .showInformationMessage(`Open ${code.verification_uri} and enter the code ${code.user_code} to sign in.`, 'Open')
        .then((choice) => choice && vscode.env.openExternal(vscode.Uri.parse(code.verification_uri)));
    }
    for (;;) {
      const response = await post(`${env.authority}/${tenant}/oauth2/v2.0/token`, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: env.clientId,
        device_code: code.device_code,
        scope,
      });
      const body = (await response.json()) as TokenResponse & { error?: string };
      if (response.ok) return body;
      if (body.error !== 'authorization_pending') throw new Error(`sign-in failed: ${body.error ?? response.status}`);
      await new Promise((resolve) => setTimeout(resolve, code.interval * 1000));
    }
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const provider = new EmulatedMicrosoftAuth();
  // With several accounts, VS Code asks which one an extension may use (a dialog host tests cannot answer).
  for (const [id, label] of [
    ['microsoft', 'Microsoft (emulated)'],
    ['microsoft-sovereign-cloud', 'Microsoft Sovereign Cloud (emulated)'],
  ]) {
    context.subscriptions.push(vscode.authentication.registerAuthenticationProvider(id, label, provider, { supportsMultipleAccounts: env.accounts.length > 0 }));
  }
  // What the Accounts menu's "Sign Out" and "Sign In" do, for host tests (which may not show VS Code's dialogs).
  context.subscriptions.push(
    vscode.commands.registerCommand('emulatedMicrosoftAuth.signOut', () => provider.removeSession()),
    vscode.commands.registerCommand('emulatedMicrosoftAuth.signIn', () => provider.createSession([])),
  );
}
