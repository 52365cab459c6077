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
