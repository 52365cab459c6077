import * as vscode from 'vscode';

/** Set once a diagnosis report was shown, so Copy Report shows on the rendered preview too. */
const shownContext = 'acrAccess.diagnosisShown';

/**
 * Read-only documents (`acr-access-diagnosis:` URIs) holding ACR: Diagnose Access reports, opened as a rendered
 * Markdown preview like the access-token documents (src/accessTokenDocuments.ts). A report holds no secret
 * (src/diagnosis/report.ts), so its text is what Copy Report copies.
 */
export class DiagnosisDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'acr-access-diagnosis';
  private readonly shown = new Map<string, string>();
  private count = 0;

  /** The URI of a new document with this report. */
  show(loginServer: string, markdown: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: DiagnosisDocuments.scheme, path: `/${loginServer}/diagnosis-${++this.count}.md` });
    this.shown.set(uri.toString(), markdown);
    void vscode.commands.executeCommand('setContext', shownContext, true);
    return uri;
  }

  /** A document's report or, for the rendered preview (which names no document), the last one shown. */
  report(uri: vscode.Uri | undefined): string | undefined {
    return uri?.scheme === DiagnosisDocuments.scheme ? this.shown.get(uri.toString()) : [...this.shown.values()].at(-1);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.shown.get(uri.toString()) ?? vscode.l10n.t('This report is no longer held. Run ACR: Diagnose Access... again.');
  }

  dispose(): void {
    this.shown.clear();
  }
}
