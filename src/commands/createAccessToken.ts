import * as vscode from 'vscode';
import { accessTokenGuide, notGranted } from '../acr/accessTokenGuide';
import { accessTokenScopes, RepositoryAction, repositoryActions, repositoryListProblem, splitRepositoryList } from '../acr/accessTokenScopes';
import { accessTokenClaims } from '../acr/jwt';
import { abortSignalFor } from '../cancellation';
import { CommandId } from '../commandIds';
import { errorMessage } from '../failures';
import { terminalShell } from '../settings';
import { RegistryNode } from '../tree/nodes';
import { pickTreeRegistry } from './pickTreeRegistry';
import { Services } from './services';

/** What to ask for, when a caller (a test, another command) already knows. */
export interface AccessTokenRequest {
  readonly repositories: readonly string[];
  readonly actions: readonly string[];
}

interface RepositoryItem extends vscode.QuickPickItem {
  readonly repository?: string;
}

const actionDescriptions: Record<RepositoryAction, () => string> = {
  pull: () => vscode.l10n.t('read images and artifacts'),
  push: () => vscode.l10n.t('write images and artifacts'),
  delete: () => vscode.l10n.t('delete images, tags and the repository'),
  metadata_read: () => vscode.l10n.t('list tags and manifests'),
  metadata_write: () => vscode.l10n.t('lock and unlock tags and manifests'),
};

/**
 * ACR: Create Repository-Scoped Access Token... Asks for repositories and actions, gets an ACR access token for
 * exactly those scopes (docs/protocol.md section 4), and opens a read-only document showing what the token
 * itself grants, until when, and how to use it; the token text is only ever copied. The document is left
 * open in the active editor.
 */
export async function createAccessToken(services: Services, given?: RegistryNode | string, request?: AccessTokenRequest): Promise<void> {
  const title = vscode.l10n.t('ACR: Create Repository-Scoped Access Token');
  const registry = typeof given === 'string' ? await registryByLoginServer(services, given) : (given ?? (await pickTreeRegistry(services, title)));
  if (!registry) return;
  // From a tree menu, the second argument may be the selected nodes rather than a request.
  const asked = request && 'repositories' in request ? request : undefined;
  const repositories = asked?.repositories ?? (await pickRepositories(services, registry, title));
  if (!repositories) return;
  const actions = asked?.actions ?? (await pickActions(title));
  if (!actions) return;
  // Checked here too, for callers that pass a request: nothing is sent for a scope that cannot be right.
  const scopes = accessTokenScopes(repositories, actions);

  const { loginServer, summary } = registry;
  const target = {
    loginServer,
    tenantId: summary?.subscription.tenantId ?? services.state.dockerLogins.find((login) => login.loginServer === loginServer)?.tenantId,
    acceptsArmAudienceTokens: summary?.acceptsArmAudienceTokens,
  };
  const accessToken = services.dockerLogins.accessTokenSource(services.account(), target);
  const { token } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Getting an access token for {0}', loginServer), cancellable: true },
    (_, cancellation) => accessToken(scopes, abortSignalFor(cancellation)),
  );
  const claims = accessTokenClaims(token);
  const requested = { repositories: [...new Set(repositories)], actions };
  const text = accessTokenGuide({ loginServer, requested, claims, formatTime, shell: terminalShell() });
  const uri = services.accessTokens.show(loginServer, text, token, claims.expiresOn);
  services.log.info(`Created an access token for ${loginServer} (${scopes.join(' ')}), expiring ${new Date(claims.expiresOn).toISOString()}`);

  // Rendered, as the document is read rather than edited (the command of VS Code's built-in Markdown extension).
  await vscode.commands.executeCommand('markdown.showPreview', uri);
  const copy = vscode.l10n.t('Copy Access Token');
  const missing = notGranted({ requested, claims });
  const message =
    missing.size > 0
      ? vscode.l10n.t('The access token for {0} lacks some of what you asked for (see the document); it expires at {1}.', loginServer, formatTime(claims.expiresOn))
      : vscode.l10n.t('The access token for {0} is ready; it expires at {1}.', loginServer, formatTime(claims.expiresOn));
  void (missing.size > 0 ? vscode.window.showWarningMessage(message, copy) : vscode.window.showInformationMessage(message, copy)).then((choice) => {
    if (choice === copy) void vscode.commands.executeCommand(CommandId.copyAccessToken, uri);
  });
}

async function registryByLoginServer(services: Services, loginServer: string): Promise<RegistryNode> {
  const known = (await services.tree.allRegistries()).find((registry) => registry.loginServer === loginServer);
  if (known) return known;
  throw new Error(vscode.l10n.t('{0} is not in the Registries view. Add it with Add Registry by Login Server..., then try again.', loginServer));
}

/**
 * Repositories from the first page of the catalog (and those opened by name), plus a way to type names:
 * the only way for a registry whose catalog the account may not list.
 */
async function pickRepositories(services: Services, registry: RegistryNode, title: string): Promise<string[] | undefined> {
  const typeNames: RepositoryItem = { label: `$(edit) ${vscode.l10n.t('Type repository names...')}`, alwaysShow: true };
  const listed = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing repositories') }, async () => {
    try {
      return (await services.tree.content(registry).repositories({ pageSize: 100 })).items;
    } catch (error) {
      services.log.info(`Listing repositories of ${registry.loginServer} for an access token failed; names are typed instead: ${errorMessage(error)}`);
      return [];
    }
  });
  const names = [...new Set([...registry.opened.map((node) => node.name), ...listed])];
  let picked: string[] = [];
  if (names.length > 0) {
    const items: RepositoryItem[] = [typeNames, ...names.map((repository) => ({ label: repository, repository }))];
    const chosen = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Repositories the token is for'), canPickMany: true, ignoreFocusOut: true });
    if (!chosen) return undefined;
    picked = chosen.flatMap((item) => (item.repository ? [item.repository] : []));
    if (picked.length > 0 && !chosen.includes(typeNames)) return picked;
  }
  const typed = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Repository names, separated by commas (each named exactly: no wildcards)'),
    placeHolder: 'team/api, hello',
    value: picked.join(', '),
    ignoreFocusOut: true,
    validateInput: repositoryListProblem,
  });
  return typed === undefined ? undefined : splitRepositoryList(typed);
}

/** The actions, pull chosen to start with; asked again until at least one is chosen. */
async function pickActions(title: string): Promise<string[] | undefined> {
  let placeHolder = vscode.l10n.t('What the token may do in those repositories');
  for (;;) {
    const chosen = await vscode.window.showQuickPick(
      repositoryActions.map((action) => ({ label: action, description: actionDescriptions[action](), picked: action === 'pull' })),
      { title, placeHolder, canPickMany: true, ignoreFocusOut: true },
    );
    if (!chosen) return undefined;
    if (chosen.length > 0) return chosen.map((item) => item.label);
    placeHolder = vscode.l10n.t('Choose at least one action, such as pull');
  }
}

/** The time, with the date too unless it is today. */
function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString(vscode.env.language, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString(vscode.env.language, { dateStyle: 'medium', timeStyle: 'short' });
}
