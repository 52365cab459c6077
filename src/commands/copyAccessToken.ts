import * as vscode from 'vscode';
import { Services } from './services';

/**
 * Copy Access Token: the button on an access token's document or its preview. The token goes to the clipboard only; it is
 * neither shown nor logged.
 */
export async function copyAccessToken(services: Services, uri?: vscode.Uri): Promise<void> {
  // On the rendered preview no text editor is active: the token is then the last one shown.
  const held = services.accessTokens.token(uri ?? vscode.window.activeTextEditor?.document.uri);
  if (!held) throw new Error(vscode.l10n.t('No access token is open here. Run ACR: Create Repository-Scoped Access Token... to get one.'));
  if (held.expiresOn <= Date.now()) throw new Error(vscode.l10n.t('This access token has expired. Run ACR: Create Repository-Scoped Access Token... for a new one.'));
  await vscode.env.clipboard.writeText(held.token);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Access token copied; it expires at {0}', new Date(held.expiresOn).toLocaleTimeString(vscode.env.language)), 5000);
}
