import * as vscode from 'vscode';

/** Set while an access token is held, so the Copy Access Token button shows on the rendered preview too. */
const heldContext = 'acrAccess.accessTokenHeld';

/**
 * Read-only documents (`acr-access-token:` URIs) that explain an access token, opened as a rendered Markdown
 * preview. The token text is held here, in memory, for the Copy Access Token button; it is never part of a
 * document's text. A preview does not keep its document open, so a token is held until it expires (it is of no
 * use after), not until its document closes.
 */
export class AccessTokenDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'acr-access-token';
  private readonly shown = new Map<string, { readonly text: string; readonly token: string; readonly expiresOn: number }>();
  private count = 0;

  /** The URI of a new document with this text, whose Copy button copies `token`. */
  show(loginServer: string, text: string, token: string, expiresOn: number): vscode.Uri {
    for (const [key, held] of this.shown) if (held.expiresOn <= Date.now()) this.shown.delete(key);
    const uri = vscode.Uri.from({ scheme: AccessTokenDocuments.scheme, path: `/${loginServer}/access-token-${++this.count}.md` });
    this.shown.set(uri.toString(), { text, token, expiresOn });
    void vscode.commands.executeCommand('setContext', heldContext, true);
    return uri;
  }

  /** The token a document explains or, for the rendered preview (which names no document), the last one shown. */
  token(uri: vscode.Uri | undefined): { readonly token: string; readonly expiresOn: number } | undefined {
    const shown = uri ? this.shown.get(uri.toString()) : [...this.shown.values()].at(-1);
    return shown && { token: shown.token, expiresOn: shown.expiresOn };
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.shown.get(uri.toString())?.text ?? vscode.l10n.t('This access token is no longer held. Run ACR: Create Repository-Scoped Access Token... for a new one.');
  }

  dispose(): void {
    this.shown.clear();
  }
}
