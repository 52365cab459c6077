import * as l10n from '@vscode/l10n';
import type { ActionableFailure } from '../actionableFailure';

/** VS Code has no Microsoft session for this extension (signed out in the Accounts menu, or never signed in). */
export class NotSignedInError extends Error implements ActionableFailure {
  override readonly name = 'NotSignedInError';
  readonly needsUser = true;
  readonly nextStep = 'signIn';
  readonly failureKind = 'auth.notSignedIn';

  constructor(providerLabel: string) {
    super(l10n.t('You are not signed in to {0} in VS Code. Sign in again (ACR: Sign In, or the Accounts menu).', providerLabel));
  }
}

/**
 * A device code or browser sign-in is needed: none was made for this sign-in method, or Entra wants the person
 * back (`interaction_required`, an expired refresh token, MFA). Only the person can do it, so a renewal stops here
 * and says so; it never opens a sign-in by itself.
 */
export class SignInRequiredError extends Error implements ActionableFailure {
  override readonly name = 'SignInRequiredError';
  readonly needsUser = true;
  readonly nextStep = 'signIn';
  readonly failureKind = 'auth.signInRequired';

  constructor(method: string, account?: string, entraCode?: string) {
    super(
      account
        ? l10n.t('Microsoft Entra ID wants {0} to sign in again with the {1} sign-in ({2}). Choose Sign In Again; nothing opens until you do.', account, method, entraCode ?? l10n.t('sign-in ended'))
        : l10n.t('Sign in with the {0} sign-in first: run ACR: Sign In.', method),
    );
  }
}
