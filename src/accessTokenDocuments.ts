import * as vscode from 'vscode';

/**
 * Read-only documents (`acr-access-token:` URIs) that explain an access token. The token text is held here,
 * in memory, for the Copy Access Token button; it is never part of a document's text, and it is dropped when
 * its document closes.
 */
export class AccessTokenDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'acr-access-token';
  private readonly shown = new Map<string, { readonly text: string; readonly token: string; readonly expiresOn: number }>();
  private readonly closing: vscode.Disposable;
  private count = 0;

  constructor() {
    this.closing = vscode.workspace.onDidCloseTextDocument((document) => this.shown.delete(document.uri.toString()));
  }

  /** The URI of a new document with this text, whose Copy button copies `token`. */
  show(loginServer: string, text: string, token: string, expiresOn: number): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: AccessTokenDocuments.scheme, path: `/${loginServer}/access-token-${++this.count}.md` });
    this.shown.set(uri.toString(), { text, token, expiresOn });
    return uri;
  }

  /** The token a document explains, while it is open. */
  token(uri: vscode.Uri): { readonly token: string; readonly expiresOn: number } | undefined {
    const shown = this.shown.get(uri.toString());
    return shown && { token: shown.token, expiresOn: shown.expiresOn };
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.shown.get(uri.toString())?.text ?? vscode.l10n.t('This access token is no longer held. Run ACR: Create Repository-Scoped Access Token... for a new one.');
  }

  dispose(): void {
    this.closing.dispose();
    this.shown.clear();
  }
}
