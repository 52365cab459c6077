import * as vscode from 'vscode';

/** Read-only documents holding manifests as the registry served them (`acr-manifest:` URIs). */
export class ManifestDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'acr-manifest';
  private readonly texts = new Map<string, string>();

  /** The URI of a document showing this manifest, pretty-printed. */
  show(reference: string, manifest: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: ManifestDocuments.scheme, path: `/${reference}.json` });
    this.texts.set(uri.toString(), JSON.stringify(JSON.parse(manifest), undefined, 2));
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}
