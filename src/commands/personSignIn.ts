import * as vscode from 'vscode';
import { SignInPrompts, UserSignIn } from '../auth/userSignIn';
import { abortSignalFor } from '../cancellation';

/**
 * Runs a device code or browser sign-in with the person watching: one progress notification that stays until
 * the sign-in ends, naming the code (or the page) with Cancel; for a device code also a dialog to copy it and
 * open the page. No time limit but Entra's own: a person may take minutes to find their phone.
 * Resolves with the account's user name; rejects with an AbortError when cancelled. `tenant`: one that wants the
 * person to sign in there (MFA), rather than the sign-in's own.
 */
export function signInAsPerson(userSignIn: UserSignIn, method: 'deviceCode' | 'interactiveBrowser', tenant?: string): Thenable<string> {
  const title = method === 'deviceCode' ? vscode.l10n.t('Signing in with a device code') : vscode.l10n.t('Signing in in your browser');
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const signal = abortSignalFor(token);
    const prompts: SignInPrompts = {
      showDeviceCode: (prompt) => {
        progress.report({ message: vscode.l10n.t('enter the code {0} at [{1}]({1}).', prompt.userCode, prompt.verificationUri) });
        void offerDeviceCode(prompt.userCode, prompt.verificationUri);
      },
      openBrowser: async (url) => {
        progress.report({ message: vscode.l10n.t('finish in the page that opened ([open it again]({0})).', url) });
        await vscode.env.openExternal(vscode.Uri.parse(url));
      },
    };
    return userSignIn.signIn(prompts, signal, tenant);
  });
}

/** The code in a dialog, with one button to copy it and open the page; the progress notification keeps it after. */
async function offerDeviceCode(userCode: string, verificationUri: string): Promise<void> {
  const copyAndOpen = vscode.l10n.t('Copy Code and Open Page');
  const copy = vscode.l10n.t('Copy Code');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Your sign-in code is {0}', userCode),
    { modal: true, detail: vscode.l10n.t('Open {0} on any device, enter the code and sign in. The code stays in the notification until you are signed in or cancel.', verificationUri) },
    copyAndOpen,
    copy,
  );
  if (choice === undefined) return;
  await vscode.env.clipboard.writeText(userCode);
  if (choice === copyAndOpen) await vscode.env.openExternal(vscode.Uri.parse(verificationUri));
}
