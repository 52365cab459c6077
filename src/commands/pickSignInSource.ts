import * as vscode from 'vscode';
import { parseIdentitySource } from '../auth/identitySources';
import { SignInSource } from '../auth/signInState';
import { authenticationProviderId } from '../auth/vscodeSession';
import { parseServerAddress, serverAddressProblem } from '../docker/references';
import { errorMessage } from '../failures';
import { configuredCloud } from '../settings';

/** A registry's own user name and password (admin user or ACR token): no Entra involved. */
export interface RegistryPasswordChoice {
  readonly kind: 'registryPassword';
  readonly via: 'adminUser' | 'repositoryToken';
  readonly loginServer: string;
  readonly username: string;
  readonly password: string;
}

export interface EntraChoice {
  readonly kind: 'entra';
  readonly source: SignInSource;
  /** The client secret typed for a service principal, to keep in SecretStorage. */
  readonly secret?: string;
  /** VS Code's account: sign in to another Microsoft account than those VS Code holds. */
  readonly anotherAccount?: boolean;
}

interface SourceItem extends vscode.QuickPickItem {
  readonly pick: () => Promise<EntraChoice | RegistryPasswordChoice | undefined>;
}

/** Asks for one value; undefined when the user pressed Escape. */
function ask(prompt: string, options: { placeHolder?: string; value?: string; password?: boolean; validate?: (value: string) => string | undefined } = {}): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('ACR: Sign In'),
    prompt,
    placeHolder: options.placeHolder,
    value: options.value,
    password: options.password,
    ignoreFocusOut: true,
    validateInput: (value) => options.validate?.(value.trim()),
  });
}

/** Checks one typed field with the identity sources' own rules and messages. */
function fieldProblem(source: Record<string, string>): string | undefined {
  try {
    parseIdentitySource(source);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

/** A tenant; `organizations` (any tenant) only where a person signs in. */
async function askTenant(anyTenant: boolean): Promise<string | undefined> {
  const tenant = await ask(vscode.l10n.t('Directory (tenant) ID or domain'), {
    placeHolder: anyTenant ? vscode.l10n.t('organizations (any tenant you belong to)') : 'contoso.onmicrosoft.com',
    value: anyTenant ? 'organizations' : undefined,
    // Device code allows a multi-tenant authority, the Azure CLI source does not; both take only a tenant.
    validate: (value) => fieldProblem({ kind: anyTenant ? 'deviceCode' : 'azureCli', tenant: value }),
  });
  return tenant?.trim();
}

/** A client id; null when cancelled, undefined when left empty where that is allowed. */
async function askClientId(optional: boolean): Promise<string | undefined | null> {
  const clientId = await ask(optional ? vscode.l10n.t('Client ID of a user-assigned identity (leave empty for system-assigned)') : vscode.l10n.t('Application (client) ID'), {
    validate: (value) => (optional && value === '' ? undefined : fieldProblem({ kind: 'managedIdentity', clientId: value })),
  });
  if (clientId === undefined) return null;
  return clientId.trim() || undefined;
}

async function pickRegistryPassword(via: RegistryPasswordChoice['via']): Promise<RegistryPasswordChoice | undefined> {
  if (via === 'adminUser') {
    const proceed = vscode.l10n.t('Use Admin User');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('The admin user has full access to the registry: push, pull and delete of every repository. Prefer your Microsoft account or a repository-scoped token.'),
      { modal: true },
      proceed,
    );
    if (answer !== proceed) return undefined;
  }
  const loginServer = await ask(vscode.l10n.t('Login server of the registry'), { placeHolder: 'myregistry.azurecr.io', validate: serverAddressProblem });
  if (!loginServer) return undefined;
  const username = await ask(via === 'adminUser' ? vscode.l10n.t('Admin user name') : vscode.l10n.t('Token name'), {
    validate: (value) => (value ? undefined : vscode.l10n.t('Enter the user name.')),
  });
  if (!username) return undefined;
  const password = await ask(vscode.l10n.t('Password'), { password: true, validate: (value) => (value ? undefined : vscode.l10n.t('Enter the password.')) });
  if (!password) return undefined;
  return { kind: 'registryPassword', via, loginServer: parseServerAddress(loginServer), username: username.trim(), password };
}

function entra(source: SignInSource, secret?: string): EntraChoice {
  return { kind: 'entra', source, secret };
}

/** When VS Code holds several Microsoft accounts, which one (or another); otherwise VS Code's own choice. */
async function pickVsCodeAccount(): Promise<EntraChoice | undefined> {
  // A provider still starting (or absent) answers nothing here: VS Code then chooses when the session is asked for.
  const accounts = await vscode.authentication.getAccounts(authenticationProviderId(configuredCloud())).then(
    (found) => found,
    () => [],
  );
  if (accounts.length < 2) return entra({ kind: 'vscode' });
  const items: (vscode.QuickPickItem & { choice: EntraChoice })[] = [
    ...accounts.map((account) => ({ label: `$(account) ${account.label}`, choice: entra({ kind: 'vscode', account: { id: account.id, label: account.label } }) })),
    { label: `$(add) ${vscode.l10n.t('Another account...')}`, choice: { ...entra({ kind: 'vscode' }), anotherAccount: true } },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('ACR: Sign In'), placeHolder: vscode.l10n.t('Which Microsoft account?'), ignoreFocusOut: true });
  return picked?.choice;
}

/** The sign-in quick pick: how to sign in, then whatever that way needs. Undefined when cancelled. */
export async function pickSignInSource(): Promise<EntraChoice | RegistryPasswordChoice | undefined> {
  const items: (SourceItem | vscode.QuickPickItem)[] = [
    { label: vscode.l10n.t('Microsoft Entra ID'), kind: vscode.QuickPickItemKind.Separator },
    {
      label: `$(account) ${vscode.l10n.t('Microsoft account in VS Code')}`,
      detail: vscode.l10n.t("The account you use in VS Code's Accounts menu (recommended)"),
      pick: pickVsCodeAccount,
    },
    {
      label: `$(device-mobile) ${vscode.l10n.t('Device code')}`,
      detail: vscode.l10n.t('Sign in on another device with a code'),
      pick: async () => {
        const tenant = await askTenant(true);
        return tenant ? entra({ kind: 'deviceCode', tenant }) : undefined;
      },
    },
    {
      label: `$(globe) ${vscode.l10n.t('Browser')}`,
      detail: vscode.l10n.t('Sign in in your web browser'),
      pick: async () => {
        const tenant = await askTenant(true);
        return tenant ? entra({ kind: 'interactiveBrowser', tenant }) : undefined;
      },
    },
    {
      label: `$(terminal) ${vscode.l10n.t('Azure CLI')}`,
      detail: vscode.l10n.t('The account `az login` signed in'),
      pick: () => Promise.resolve(entra({ kind: 'azureCli' })),
    },
    {
      label: `$(server) ${vscode.l10n.t('Managed identity')}`,
      detail: vscode.l10n.t('The identity of this Azure VM, container or App Service'),
      pick: async () => {
        const clientId = await askClientId(true);
        return clientId === null ? undefined : entra(clientId ? { kind: 'managedIdentity', clientId } : { kind: 'managedIdentity' });
      },
    },
    {
      label: `$(key) ${vscode.l10n.t('Service principal with a secret')}`,
      pick: async () => {
        const tenant = await askTenant(false);
        const clientId = tenant && (await askClientId(false));
        if (!tenant || !clientId) return undefined;
        const secret = await ask(vscode.l10n.t('Client secret (kept in VS Code secret storage)'), { password: true, validate: (value) => (value ? undefined : vscode.l10n.t('Enter the client secret.')) });
        return secret ? entra({ kind: 'clientSecret', tenant, clientId }, secret) : undefined;
      },
    },
    {
      label: `$(file-binary) ${vscode.l10n.t('Service principal with a certificate')}`,
      pick: async () => {
        const tenant = await askTenant(false);
        const clientId = tenant && (await askClientId(false));
        if (!tenant || !clientId) return undefined;
        const files = await vscode.window.showOpenDialog({
          title: vscode.l10n.t('PEM file with the certificate and its private key'),
          canSelectMany: false,
          filters: { [vscode.l10n.t('PEM files')]: ['pem'] },
        });
        return files?.[0] ? entra({ kind: 'clientCertificate', tenant, clientId, certificatePath: files[0].fsPath }) : undefined;
      },
    },
    {
      label: `$(cloud) ${vscode.l10n.t('Workload identity')}`,
      detail: vscode.l10n.t('From AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE'),
      pick: () => Promise.resolve(entra({ kind: 'workloadIdentity' })),
    },
    { label: vscode.l10n.t('Registry credentials'), kind: vscode.QuickPickItemKind.Separator },
    {
      label: `$(shield) ${vscode.l10n.t('Repository-scoped token')}`,
      detail: vscode.l10n.t('An ACR token name and password'),
      pick: () => pickRegistryPassword('repositoryToken'),
    },
    {
      label: `$(warning) ${vscode.l10n.t('Admin user')}`,
      detail: vscode.l10n.t('Full access to the registry: use only when nothing else works'),
      pick: () => pickRegistryPassword('adminUser'),
    },
  ];
  // Like every later step of signing in, it stays when focus moves elsewhere: an open walkthrough, for one, moves
  // focus to its current step a moment after the command palette closes, which would close the picker at once.
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('ACR: Sign In'), placeHolder: vscode.l10n.t('How do you want to sign in?'), ignoreFocusOut: true });
  return picked && 'pick' in picked ? picked.pick() : undefined;
}
