import * as vscode from 'vscode';
import { imageReference, TagNode } from '../tree/nodes';
import { Services } from './services';
import { checkRepositoryDelete } from './permissionChecks';

/** Delete Image...: deletes the image a tag points at, after naming every tag that goes with it. */
export async function deleteImage(services: Services, node: TagNode): Promise<void> {
  const repository = node.parent;
  await checkRepositoryDelete(services, repository.parent, repository.name, vscode.l10n.t('Deleting images in repository {0}', repository.name));
  const content = services.tree.content(repository.parent);
  const manifest = await content.manifest(repository.name, node.tag.digest);
  const tags = manifest.tags.length > 0 ? manifest.tags : [node.tag.name];
  const confirm = vscode.l10n.t('Delete Image');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete the image {0}?', imageReference(node, 'digest')),
    { modal: true, detail: tags.length === 1 ? vscode.l10n.t('This tag goes with it: {0}. This cannot be undone.', tags[0]) : vscode.l10n.t('These tags go with it: {0}. This cannot be undone.', tags.join(', ')) },
    confirm,
  );
  if (choice !== confirm) return;
  await content.deleteImage(repository.name, node.tag.digest);
  services.log.info(`Deleted ${imageReference(node, 'digest')} with its tags ${tags.join(', ')}`);
  services.tree.refresh(repository);
  void vscode.window.showInformationMessage(
    tags.length === 1 ? vscode.l10n.t('Deleted the image {0} and its tag {1}.', node.tag.digest, tags[0]) : vscode.l10n.t('Deleted the image {0} and its tags {1}.', node.tag.digest, tags.join(', ')),
  );
}
