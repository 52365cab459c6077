import * as vscode from 'vscode';
import { SignInHooks } from '../auth/identitySources';
import { SignInState } from '../auth/signInState';

/** How @azure/identity sign-ins talk to the user: device codes in a notification, pages in the browser. */
export function accountHooks(state: SignInState, clientId: string | undefined): SignInHooks {
  return {
    getSecret: async () => (clientId ? state.servicePrincipalSecret(clientId) : undefined),
    showDeviceCode: (prompt) => {
      const copyAndOpen = vscode.l10n.t('Copy Code and Open Page');
      void vscode.window.showInformationMessage(vscode.l10n.t('To sign in, open {0} and enter the code {1}.', prompt.verificationUri, prompt.userCode), copyAndOpen).then(async (choice) => {
        if (choice !== copyAndOpen) return;
        await vscode.env.clipboard.writeText(prompt.userCode);
        await vscode.env.openExternal(vscode.Uri.parse(prompt.verificationUri));
      });
    },
    openBrowser: async (url) => {
      await vscode.env.openExternal(vscode.Uri.parse(url));
    },
  };
}
