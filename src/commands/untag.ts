import * as vscode from 'vscode';
import { imageReference, TagNode } from '../tree/nodes';
import { Services } from './services';
import { checkRepositoryDelete } from './permissionChecks';

/** Untag...: removes one tag after asking; the image stays while its digest or other tags refer to it. */
export async function untag(services: Services, node: TagNode): Promise<void> {
  const reference = imageReference(node, 'tag');
  const repository = node.parent;
  await checkRepositoryDelete(services, repository.parent, repository.name, vscode.l10n.t('Removing tags in repository {0}', repository.name));
  const confirm = vscode.l10n.t('Untag');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Remove the tag {0}?', reference),
    { modal: true, detail: vscode.l10n.t('The image ({0}) stays in the registry; only this tag goes.', node.tag.digest) },
    confirm,
  );
  if (choice !== confirm) return;
  await services.tree.content(repository.parent).untag(repository.name, node.tag.name);
  services.log.info(`Untagged ${reference}`);
  services.tree.refresh(repository);
  void vscode.window.showInformationMessage(vscode.l10n.t('Removed the tag {0}.', reference));
}
