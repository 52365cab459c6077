import * as vscode from 'vscode';
import { Account } from '../auth/account';
import { DockerLogin } from '../auth/signInState';
import { listRegistries, listTenantSubscriptions } from '../azure/registries';
import { RegistryToLogIn } from '../dockerLogins';
import { adviceFor, errorMessage } from '../failures';
import { configuredCloud } from '../settings';
import { abortSignalFor, isCancellation } from '../cancellation';
import { pickRegistries, RegistryListing } from './pickRegistries';
import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

/**
 * Every registry the account can see. A tenant or subscription that fails (MFA, refused, throttled) is left out
 * and named in `notListed`, its failure logged; the others are listed all the same.
 */
export async function listAllRegistries(services: Services, account: Account, signal: AbortSignal): Promise<RegistryListing> {
  const cloud = configuredCloud();
  const credentialFor = (tenantId: string | undefined) => account.credential(tenantId);
  const { subscriptions, failedTenants } = await listTenantSubscriptions(credentialFor, cloud, signal);
  const failures = failedTenants.map(({ tenantId, tenantName, error }) => ({ name: tenantName ?? tenantId, error }));
  const listings = await Promise.all(
    subscriptions.map((subscription) =>
      listRegistries(credentialFor, cloud, subscription, signal).catch((error: unknown) => {
        if (signal.aborted) throw error;
        failures.push({ name: subscription.name, error });
        return [];
      }),
    ),
  );
  const registries = listings.flat();
  services.dockerLogins.rememberListed(registries);
  services.log.info(`Listed ${registries.length} registries in ${subscriptions.length} subscriptions`);
  for (const { name, error } of failures) services.log.warn(`Could not list the registries of ${name}: ${errorMessage(error)}`);
  return { registries, notListed: failures.map(({ name, error }) => vscode.l10n.t('{0}: {1}', name, shortReason(error))) };
}

/** Why something could not be listed, in a few words for a one-line summary (the log has the whole message). */
function shortReason(error: unknown): string {
  switch (adviceFor(error).nextStep) {
    case 'signIn':
      return vscode.l10n.t('sign-in needed');
    case 'requestAccess':
      return vscode.l10n.t('access refused');
    case 'retry':
      return vscode.l10n.t('busy or unreachable, try again later');
    default:
      return vscode.l10n.t('failed, see the log');
  }
}

/** The time, with the date too unless it is today (a token password may last for months). */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const today = date.toDateString() === new Date().toDateString();
  return today
    ? date.toLocaleTimeString(vscode.env.language, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString(vscode.env.language, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * Logs Docker in to registries with a progress notification the user can cancel, then says which are ready
 * and until when. Failures are reported per registry; the ones that worked stay logged in.
 */
export async function logInWithProgress(
  services: Services,
  loginServers: readonly string[],
  logIn: (loginServer: string, signal: AbortSignal) => Promise<DockerLogin>,
): Promise<DockerLogin[]> {
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Logging Docker in to {0}', loginServers.join(', ')), cancellable: true },
    async (progress, token) => {
      const signal = abortSignalFor(token);
      return Promise.allSettled(
        loginServers.map(async (loginServer) => {
          const login = await logIn(loginServer, signal);
          // With one registry the title already names it.
          progress.report({ message: loginServers.length > 1 ? vscode.l10n.t('{0} is ready', loginServer) : undefined, increment: 100 / loginServers.length });
          return login;
        }),
      );
    },
  );
  const ready = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' && !isCancellation(result.reason) ? [{ loginServer: loginServers[index], error: result.reason as unknown }] : [],
  );
  for (const { loginServer, error } of failures) services.log.error(`Logging Docker in to ${loginServer} failed: ${errorMessage(error)}`);
  for (const login of ready) services.log.info(`Docker is logged in to ${login.loginServer}${login.persisted ? '' : ' (engine only, not saved)'}`);

  if (ready.length > 0) {
    const until = Math.min(...ready.map((login) => login.expiresOn ?? Infinity));
    const names = ready.map((login) => login.registryName ?? login.loginServer).join(', ');
    void vscode.window.showInformationMessage(
      Number.isFinite(until) ? vscode.l10n.t('Docker is ready for {0} until {1}.', names, formatTime(until)) : vscode.l10n.t('Docker is ready for {0}.', names),
    );
  }
  if (failures.length === 1 && ready.length === 0) throw failures[0].error;
  for (const { loginServer, error } of failures) {
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(vscode.l10n.t('Docker could not be logged in to {0}: {1}', loginServer, errorMessage(error)), showLog).then((choice) => {
      if (choice === showLog) services.log.show();
    });
  }
  return ready;
}

/**
 * ACR: Log In Docker to Registry... Picks registries the signed-in account can see (or takes the registry
 * node it was run on, or the login servers given, as tests and other commands do) and logs Docker in to them.
 */
export async function logInDocker(services: Services, given?: readonly string[] | RegistryNode): Promise<void> {
  const account = services.account();
  let targets: RegistryToLogIn[] | undefined;
  const loginServers = given && 'kind' in given ? undefined : given;
  if (given && 'kind' in given) {
    targets = [{ loginServer: given.loginServer, registry: given.summary }];
  } else if (loginServers && loginServers.length > 0) {
    const listed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Looking up registries'), cancellable: true },
      (_, token) => listAllRegistries(services, account, abortSignalFor(token)),
    );
    targets = loginServers.map((loginServer) => ({ loginServer, registry: listed.registries.find((registry) => registry.loginServer === loginServer) }));
  } else {
    targets = await pickRegistries(vscode.l10n.t('ACR: Log In Docker to Registry'), (signal) => listAllRegistries(services, account, signal));
  }
  if (!targets) return;
  const byLoginServer = new Map(targets.map((target) => [target.loginServer, target]));
  await logInWithProgress(services, [...byLoginServer.keys()], (loginServer, signal) =>
    services.dockerLogins.logInWithAccount(account, byLoginServer.get(loginServer)!, signal),
  );
}
