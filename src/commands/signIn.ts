import * as vscode from 'vscode';
import { DockerLogin, isPersonSource, SignInSource, VsCodeAccount } from '../auth/signInState';
import { authenticationProviderId } from '../auth/vscodeSession';
import { scopeFor } from '../azure/clouds';
import { tokenPasswordExpiry } from '../azure/registries';
import { errorMessage } from '../failures';
import { configuredCloud } from '../settings';
import { isCancellation } from '../cancellation';
import { listAllRegistries, logInDocker, logInWithProgress } from './logInDocker';
import { signInAsPerson } from './personSignIn';
import type { EntraChoice } from './pickSignInSource';
import { ErrorNode } from '../tree/nodes';
import { Services } from './services';

/**
 * ACR: Sign In. Picks how to sign in; with an Entra account, goes on to pick registries and log Docker in
 * to them; with a registry's own user name and password, logs Docker in to that registry.
 */
export async function signIn(services: Services): Promise<void> {
  // The picker and its forms load on first use (dist/lazy/commands.js, see esbuild.mjs).
  const { pickSignInSource } = await import('./pickSignInSource');
  const choice = await pickSignInSource();
  if (!choice) return;
  services.telemetry.noteSignInSource(choice.kind === 'registryPassword' ? choice.via : choice.source.kind);
  if (choice.kind === 'registryPassword') {
    await logInWithProgress(services, [choice.loginServer], async (loginServer, signal) => {
      const login = await services.dockerLogins.logInWithPassword(choice.via, loginServer, choice.username, choice.password, signal);
      return choice.via === 'repositoryToken' ? noteTokenPasswordExpiry(services, login, signal) : login;
    });
    return;
  }
  if (choice.source.kind === 'clientSecret') await services.state.setServicePrincipalSecret(choice.source.clientId, choice.secret);
  const source = await whileSigningIn(() => signInWith(services, choice));
  await services.state.setSource(source);
  services.log.info(`Signed in with ${source.kind}`);
  await logInDocker(services);
}

/**
 * The sign-in itself, before anything is listed: a person signs in here, once, and everything after (more
 * registries, more tenants, renewals) reuses that sign-in; VS Code's account is asked for here, so the sign-in
 * names the account.
 */
async function signInWith(services: Services, { source, anotherAccount }: EntraChoice): Promise<SignInSource> {
  if (isPersonSource(source)) {
    const username = await signInAsPerson(await services.personSignIn(source), source.kind);
    services.log.info(`Signed in as ${username} with ${source.kind}`);
  }
  return source.kind === 'vscode' ? vscodeAccountSignIn(source.account, anotherAccount === true) : source;
}

/** While it runs, the Registries view says a sign-in is under way rather than asking to sign in. */
async function whileSigningIn<T>(task: () => Promise<T>): Promise<T> {
  await vscode.commands.executeCommand('setContext', 'acrAccess.signingIn', true);
  try {
    return await task();
  } finally {
    await vscode.commands.executeCommand('setContext', 'acrAccess.signingIn', false);
  }
}

/**
 * VS Code's session of the chosen Microsoft account (VS Code asks the user to allow it, or to sign in), so the
 * sign-in, and every Docker login made with it, names the account it uses.
 */
async function vscodeAccountSignIn(account: VsCodeAccount | undefined, anotherAccount: boolean): Promise<SignInSource> {
  const cloud = configuredCloud();
  const scopes = [scopeFor(cloud.armAudience)];
  const provider = authenticationProviderId(cloud);
  const session = anotherAccount
    ? await vscode.authentication.getSession(provider, scopes, { forceNewSession: true })
    : await vscode.authentication.getSession(provider, scopes, { createIfNone: true, account });
  return { kind: 'vscode', account: { id: session.account.id, label: session.account.label } };
}

/**
 * Looks up when a repository-scoped token's password expires, so the user is warned days before. That takes
 * an Entra account that can read the registry in ARM; without one (or if the lookup fails) the hourly check
 * notices once the password stops working.
 */
async function noteTokenPasswordExpiry(services: Services, login: DockerLogin, signal: AbortSignal): Promise<DockerLogin> {
  try {
    const account = services.silentAccount();
    const registry = (await listAllRegistries(services, account, signal)).registries.find((candidate) => candidate.loginServer === login.loginServer);
    if (!registry) return login;
    const expiresOn = await tokenPasswordExpiry((tenantId) => account.credential(tenantId), configuredCloud(), registry, login.username, signal);
    if (expiresOn === undefined) return login;
    services.log.info(`The password of token ${login.username} for ${login.loginServer} expires ${new Date(expiresOn).toISOString()}`);
    return await services.dockerLogins.notePasswordExpiry(login, expiresOn);
  } catch (error) {
    if (isCancellation(error)) throw error;
    services.log.info(`Could not look up when the password of token ${login.username} expires: ${errorMessage(error)}`);
    return login;
  }
}

/**
 * After renewals failed for want of a sign-in: signs in again the way the user did before (VS Code's
 * Microsoft account asks VS Code for a session; a device code or browser sign-in asks the person once more),
 * then retries every registry that was waiting. Run on a tenant's "Sign In to ..." in the tree, it signs in to
 * that tenant (its MFA or conditional access) and lists the tree again.
 */
export async function signInAgain(services: Services, node?: ErrorNode): Promise<void> {
  const source = services.state.source ?? { kind: 'vscode' };
  const tenantId = node?.parent?.kind === 'tenant' ? node.parent.tenantId : undefined;
  if (source.kind === 'vscode') {
    const cloud = configuredCloud();
    const scopes = [scopeFor(cloud.armAudience), ...(tenantId ? [`VSCODE_TENANT:${tenantId}`] : [])];
    await vscode.authentication.getSession(authenticationProviderId(cloud), scopes, { createIfNone: true, account: source.account });
  } else if (isPersonSource(source)) {
    await signInAsPerson(await services.personSignIn(source), source.kind, tenantId);
  }
  await services.scheduler.retryWaitingForUser();
  services.tree.refresh();
}
