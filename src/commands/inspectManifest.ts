import * as vscode from 'vscode';
import { imageReference, TagNode } from '../tree/nodes';
import { Services } from './services';

/** Inspect Manifest: the tag's manifest as the registry serves it, in a read-only JSON editor. */
export async function inspectManifest(services: Services, node: TagNode): Promise<void> {
  const repository = node.parent;
  const manifest = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading the manifest') }, () =>
    services.tree.content(repository.parent).manifestDocument(repository.name, node.tag.digest),
  );
  const document = await vscode.workspace.openTextDocument(services.manifests.show(imageReference(node, 'digest'), manifest.text));
  await vscode.languages.setTextDocumentLanguage(document, 'json');
  await vscode.window.showTextDocument(document, { preview: true });
}
