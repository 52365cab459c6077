import * as vscode from 'vscode';
import { DockerLogin } from '../auth/signInState';
import { authenticationProviderId } from '../auth/vscodeSession';
import { scopeFor } from '../azure/clouds';
import { configuredCloud } from '../settings';
import { logInDocker, logInWithProgress } from './logInDocker';
import { pickSignInSource } from './pickSignInSource';
import { Services } from './services';

/**
 * ACR: Sign In. Picks how to sign in; with an Entra account, goes on to pick registries and log Docker in
 * to them; with a registry's own user name and password, logs Docker in to that registry.
 */
export async function signIn(services: Services): Promise<DockerLogin[]> {
  const choice = await pickSignInSource();
  if (!choice) return [];
  if (choice.kind === 'registryPassword') {
    return logInWithProgress(services, [choice.loginServer], (loginServer, signal) =>
      services.dockerLogins.logInWithPassword(choice.via, loginServer, choice.username, choice.password, signal),
    );
  }
  if (choice.source.kind === 'clientSecret') await services.state.setServicePrincipalSecret(choice.source.clientId, choice.secret);
  await services.state.setSource(choice.source);
  services.log.info(`Signed in with ${choice.source.kind}`);
  return logInDocker(services);
}

/**
 * After renewals failed for want of a sign-in: signs in again the way the user did before (VS Code's
 * Microsoft account asks VS Code for a session), then retries every registry that was waiting.
 */
export async function signInAgain(services: Services): Promise<void> {
  if ((services.state.source?.kind ?? 'vscode') === 'vscode') {
    const cloud = configuredCloud();
    await vscode.authentication.getSession(authenticationProviderId(cloud), [scopeFor(cloud.armAudience)], { createIfNone: true });
  }
  await services.scheduler.retryWaitingForUser();
}
