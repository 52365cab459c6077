import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { AccessTokenDocuments } from './accessTokenDocuments';
import { DiagnosisDocuments } from './diagnosisDocuments';
import { collapsingLog } from './collapsingLog';
import { Account } from './auth/account';
import { DockerLogin, isPersonSource, PersonSource, SignInState } from './auth/signInState';
import type { UserSignIn } from './auth/userSignIn';
import { RegistryContent } from './acr/registryContent';
import { CommandId } from './commandIds';
import { adviceFor } from './failures';
import { isCancellation } from './cancellation';
import { openSettings } from './commands/openSettings';
import { registerCommands } from './commands/registerCommands';
import { Services } from './commands/services';
import { DockerLogins } from './dockerLogins';
import { configWriteMode } from './docker/config';
import { listRegistries, listTenantSubscriptions } from './azure/registries';
import { configuredCloud, enginePreference, expiryWarningMs, refreshSettings, saveCredentialsForDocker, showWalkthrough, tokenPasswordWarningDays, treePageSize, trustedHosts } from './settings';
import { ExpiryStatusBar } from './status/expiryStatusBar';
import { PasswordExpiryAlerts } from './status/passwordExpiryAlerts';
import { RefreshScheduler } from './status/refreshScheduler';
import { FileRefreshLock } from './status/refreshLock';
import { Telemetry } from './telemetry';
import { RenewalProblems } from './status/renewalProblems';
import { ManifestDocuments } from './tree/manifestDocuments';
import { RegistryTree, registriesViewId, TreeSources } from './tree/registryTree';
import { TreeMemory } from './tree/treeMemory';
import { openWalkthroughOnFirstActivation } from './walkthrough';

/**
 * What the extension exports: its registry tree and what the tree remembers, read by the host tests as VS Code
 * reads them, and its renewal schedule, whose heartbeat (`checkDue`) a host test can give at once.
 */
export interface AcrAccessExports {
  readonly registryTree: RegistryTree;
  readonly treeMemory: TreeMemory;
  readonly renewals: Pick<RefreshScheduler, 'statuses' | 'checkDue'>;
}

export function activate(context: vscode.ExtensionContext): AcrAccessExports {
  const channel = vscode.window.createOutputChannel('ACR Access', { log: true });
  context.subscriptions.push(channel);
  const log = collapsingLog(channel);
  // The plain-TypeScript modules (src/acr, src/docker, ...) localize through @vscode/l10n, which reads VS Code's bundle.
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  log.info(`ACR Access ${(context.extension.packageJSON as { version: string }).version} started`);
  log.info(configWriteMode());

  const telemetry = Telemetry.create(context.globalState);
  context.subscriptions.push(telemetry);
  const state = new SignInState(context.globalState, context.secrets, context.globalStorageUri.fsPath);
  context.subscriptions.push(state);
  const dockerLogins = new DockerLogins(state, () => ({ cloud: configuredCloud(), trustedHosts: trustedHosts(), saveForDocker: saveCredentialsForDocker(), engine: enginePreference() }));
  const personSignIn = async (source: PersonSource) => new (await import('./auth/userSignIn')).UserSignIn(source, configuredCloud(), context.secrets);
  const accounts = accountsFor(state, personSignIn);
  const renewingAccount = renewingAccountFor(accounts);
  const scheduler = new RefreshScheduler({
    logins: () => state.dockerLogins,
    renew: (login, signal) => reportRenewal(telemetry, login, () => dockerLogins.renew(renewingAccount(login), login, signal)),
    adopt: (login, renewedElsewhere) => dockerLogins.adoptRenewal(login, renewedElsewhere),
    settings: refreshSettings,
    log,
    lock: new FileRefreshLock(context.globalStorageUri.fsPath),
  });
  const treeMemory = new TreeMemory(context.globalState);
  const tree = new RegistryTree(treeSources(state, dockerLogins, () => accounts().background, treeMemory, telemetry, log), treeMemory, () => ({
    status: (loginServer) => scheduler.statuses().find((status) => status.login.loginServer === loginServer),
    severity: { warningMs: expiryWarningMs(), tokenPasswordWarningDays: tokenPasswordWarningDays() },
    now: Date.now(),
  }));
  const treeView = vscode.window.createTreeView(registriesViewId, { treeDataProvider: tree, showCollapseAll: true });
  const services: Services = {
    log,
    state,
    dockerLogins,
    scheduler,
    telemetry,
    tree,
    treeMemory,
    manifests: new ManifestDocuments(),
    accessTokens: new AccessTokenDocuments(),
    diagnosisReports: new DiagnosisDocuments(),
    reveal: (node, options) => treeView.reveal(node, { select: true, focus: true, expand: options?.expand }),
    account: () => accounts().interactive,
    silentAccount: () => accounts().background,
    personSignIn,
  };
  context.subscriptions.push(
    tree,
    treeView,
    vscode.workspace.registerTextDocumentContentProvider(ManifestDocuments.scheme, services.manifests),
    services.accessTokens,
    vscode.workspace.registerTextDocumentContentProvider(AccessTokenDocuments.scheme, services.accessTokens),
    services.diagnosisReports,
    vscode.workspace.registerTextDocumentContentProvider(DiagnosisDocuments.scheme, services.diagnosisReports),
  );
  registerCommands(context, services);
  registerRenewals(context, services);
  registerTreeUpdates(context, services, treeView);
  void openWalkthroughOnFirstActivation(context, { enabled: showWalkthrough(), alreadyUsed: state.source !== undefined || state.dockerLogins.length > 0 }, log);
  return { registryTree: tree, treeMemory, renewals: scheduler };
}

/** Where the registry tree's data comes from: ARM with the account that never prompts, and the registries' own APIs. */
function treeSources(state: SignInState, dockerLogins: DockerLogins, account: () => Account, memory: TreeMemory, telemetry: Telemetry, log: vscode.LogOutputChannel): TreeSources {
  return {
    signedIn: () => state.source !== undefined || state.dockerLogins.length > 0,
    usesEntra: () => state.source !== undefined || state.dockerLogins.some((login) => login.via === 'entra'),
    listSubscriptions: (signal) => listTenantSubscriptions((tenantId) => account().credential(tenantId), configuredCloud(), signal),
    logFailure: (where, error) => {
      const advice = adviceFor(error);
      log.warn(`Registries view, ${where}: ${advice.kind}: ${advice.message}`);
    },
    listRegistries: async (subscription, signal) => {
      const registries = await listRegistries((tenantId) => account().credential(tenantId), configuredCloud(), subscription, signal);
      dockerLogins.rememberListed(registries);
      return registries;
    },
    content: ({ loginServer, summary }) =>
      withPageSizesReported(
        dockerLogins.registryContent(
          account(),
          {
            loginServer,
            tenantId: summary?.subscription.tenantId ?? state.dockerLogins.find((login) => login.loginServer === loginServer)?.tenantId,
            abac: summary?.abac,
            acceptsArmAudienceTokens: summary?.acceptsArmAudienceTokens,
              mayAssignRoles: summary && (async () => (await import('./azure/permissions')).mayAssignRoles((tenantId) => account().credential(tenantId), configuredCloud(), summary)),
          },
          // A throttled listing is not waited out behind a spinner: the view says so at once and tries again itself.
          { throttleRetries: 0 },
        ),
        (listing, count) => telemetry.treePageLoaded(listing, loginServer, count),
      ),
    registryTokens: async (summary) => new (await import('./azure/tokens')).RegistryTokens((tenantId) => account().credential(tenantId), configuredCloud(), summary),
    typedLoginServers: () => [...new Set([...memory.addedLoginServers(), ...state.dockerLogins.filter((login) => !login.fromArm).map((login) => login.loginServer)])].sort(),
    pageSize: treePageSize,
  };
}

/** The same registry content, telling telemetry how many repositories or tags each page brought. */
function withPageSizesReported(content: RegistryContent, report: (listing: 'repositories' | 'tags', count: number) => void): RegistryContent {
  return Object.assign(Object.create(content) as RegistryContent, {
    repositories: async (...args: Parameters<RegistryContent['repositories']>) => {
      const page = await content.repositories(...args);
      report('repositories', page.items.length);
      return page;
    },
    tags: async (...args: Parameters<RegistryContent['tags']>) => {
      const page = await content.tags(...args);
      report('tags', page.items.length);
      return page;
    },
  });
}

/** Runs one renewal and reports how it ended (a cancelled one is not reported). */
async function reportRenewal(telemetry: Telemetry, login: DockerLogin, renew: () => Promise<DockerLogin>): Promise<DockerLogin> {
  const startedAt = Date.now();
  try {
    const renewed = await renew();
    telemetry.renewalFinished(login, 'renewed', Date.now() - startedAt);
    return renewed;
  } catch (error) {
    if (!isCancellation(error)) {
      const advice = adviceFor(error);
      telemetry.renewalFinished(login, advice.needsUser ? 'needsUser' : 'retrying', Date.now() - startedAt, advice.kind);
    }
    throw error;
  }
}

/** Keeps the tree in step: a Docker login redraws its registry, a new sign-in or cloud reloads everything. */
function registerTreeUpdates(context: vscode.ExtensionContext, { state, scheduler, tree }: Services, treeView: vscode.TreeView<unknown>): void {
  const loginState = () => new Map(scheduler.statuses().map(({ login, health }) => [login.loginServer, `${health.kind};${login.expiresOn};${login.loggedInAt}`]));
  let shown = loginState();
  const topLevel = () => JSON.stringify([state.source !== undefined, state.dockerLogins.length > 0, state.dockerLogins.filter((login) => !login.fromArm).map((login) => login.loginServer).sort()]);
  let top = topLevel();
  context.subscriptions.push(
    scheduler.onDidChange(() => {
      const now = loginState();
      const changed = new Set([...now.keys(), ...shown.keys()].filter((loginServer) => now.get(loginServer) !== shown.get(loginServer)));
      shown = now;
      tree.redrawRegistries(changed);
      // Signed in or out, or a registry known by login server only came or went.
      const nowTop = topLevel();
      if (nowTop !== top) tree.refresh();
      top = nowTop;
    }),
    state.onDidChangeSource(() => tree.refresh()),
    tree.onDidChangeMessage((message) => (treeView.message = message)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('microsoft-sovereign-cloud') || event.affectsConfiguration('acrAccess.customCloud')) tree.refresh();
      else if (event.affectsConfiguration('acrAccess.statusBar') || event.affectsConfiguration('acrAccess.tokenPasswordExpiry')) tree.redrawRegistries(new Set(shown.keys()));
    }),
    vscode.authentication.onDidChangeSessions(({ provider }) => {
      if (provider.id === 'microsoft' || provider.id === 'microsoft-sovereign-cloud') tree.refresh();
    }),
  );
}

/**
 * The signed-in Entra account, made again when the sign-in source or the cloud changes: one that may ask the
 * user to sign in (commands), and one that must not (renewals on a timer). Only VS Code's account can ask from
 * within a request; the other sources never do, so one account serves both.
 */
function accountsFor(state: SignInState, personSignIn: (source: PersonSource) => Promise<UserSignIn>): () => { interactive: Account; background: Account } {
  let accounts: { key: string; interactive: Account; background: Account } | undefined;
  return () => {
    const source = state.source ?? { kind: 'vscode' };
    const cloud = configuredCloud();
    const key = JSON.stringify([source, cloud]);
    if (accounts?.key !== key) {
      const hooks = { getSecret: async () => ('clientId' in source && source.clientId ? state.servicePrincipalSecret(source.clientId) : undefined) };
      const interactive = new Account(source, cloud, true, hooks, isPersonSource(source) ? () => personSignIn(source) : undefined);
      // An @azure/identity source keeps its token cache in its credential, so renewals share it.
      const background = source.kind === 'vscode' ? new Account(source, cloud, false, hooks) : interactive;
      accounts = { key, interactive, background };
    }
    return accounts;
  };
}

/**
 * The account a login is renewed with: the VS Code Microsoft account it was made with, when VS Code holds several,
 * or else the signed-in account. Never one that prompts.
 */
function renewingAccountFor(accounts: () => { background: Account }): (login: DockerLogin) => Account {
  const byVsCodeAccount = new Map<string, Account>();
  return (login) => {
    const { background } = accounts();
    const current = background.source.kind === 'vscode' ? background.source.account : undefined;
    if (!login.vscodeAccount || current?.id === login.vscodeAccount.id) return background;
    const cloud = configuredCloud();
    const key = JSON.stringify([login.vscodeAccount.id, cloud]);
    let account = byVsCodeAccount.get(key);
    if (!account) {
      account = new Account({ kind: 'vscode', account: login.vscodeAccount }, cloud, false, {});
      byVsCodeAccount.set(key, account);
    }
    return account;
  };
}

/** The status bar, the renewal schedule, and what keeps them in step with settings, other windows and the account. */
function registerRenewals(context: vscode.ExtensionContext, services: Services): void {
  const { log, state, dockerLogins, scheduler } = services;
  const statusBar = new ExpiryStatusBar(scheduler, () => ({ warningMs: expiryWarningMs(), tokenPasswordWarningDays: tokenPasswordWarningDays(), refresh: refreshSettings() }));
  const problems = new RenewalProblems(scheduler, {
    signInAgain: () => vscode.commands.executeCommand(CommandId.signInAgain),
    signIn: () => vscode.commands.executeCommand(CommandId.signIn),
    openSettings,
    showLog: () => log.show(),
    diagnose: (loginServer) => vscode.commands.executeCommand(CommandId.diagnoseAccess, loginServer, ''),
  });
  const passwordAlerts = new PasswordExpiryAlerts(scheduler, context.globalState, tokenPasswordWarningDays, () => vscode.commands.executeCommand(CommandId.signIn));
  context.subscriptions.push(
    { dispose: () => scheduler.dispose() },
    statusBar,
    problems,
    passwordAlerts,
    state.onDidChangeDockerLogins(() => scheduler.sync()),
    // Another window logged in, renewed or logged out (its secrets change with it).
    context.secrets.onDidChange(({ key }) => key.startsWith('acrAccess.') && scheduler.sync()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('acrAccess')) scheduler.sync();
    }),
    // After the computer wakes, the first thing the user does is usually to come back to the window.
    vscode.window.onDidChangeWindowState((window) => window.focused && scheduler.checkDue()),
    // VS Code's Microsoft account changed (signed out, another account): tokens from the old one are not reused.
    vscode.authentication.onDidChangeSessions(({ provider }) => {
      if ((state.source?.kind ?? 'vscode') !== 'vscode') return;
      if (provider.id !== 'microsoft' && provider.id !== 'microsoft-sovereign-cloud') return;
      log.info(`The ${provider.label} account changed; cached registry tokens are dropped`);
      dockerLogins.forgetTokens();
      void scheduler.retryWaitingForUser();
    }),
  );
  scheduler.sync();
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
