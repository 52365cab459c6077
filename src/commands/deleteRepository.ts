import * as vscode from 'vscode';
import { RepositoryNode } from '../tree/nodes';
import { Services } from './services';
import { checkRepositoryDelete } from './permissionChecks';

/** Delete Repository...: deletes a repository with every image and tag in it, after asking. */
export async function deleteRepository(services: Services, node: RepositoryNode): Promise<void> {
  await checkRepositoryDelete(services, node.parent, node.name, vscode.l10n.t('Deleting repository {0}', node.name));
  const content = services.tree.content(node.parent);
  const { tagCount, manifestCount } = await content.repository(node.name);
  const confirm = vscode.l10n.t('Delete Repository');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete the repository {0}/{1}?', node.parent.loginServer, node.name),
    {
      modal: true,
      detail: vscode.l10n.t(
        'Its {0} and {1} go with it. This cannot be undone.',
        manifestCount === 1 ? vscode.l10n.t('1 image') : vscode.l10n.t('{0} images', manifestCount),
        tagCount === 1 ? vscode.l10n.t('1 tag') : vscode.l10n.t('{0} tags', tagCount),
      ),
    },
    confirm,
  );
  if (choice !== confirm) return;
  await content.deleteRepository(node.name);
  services.log.info(`Deleted the repository ${node.parent.loginServer}/${node.name}`);
  services.tree.forgetRepository(node);
  void vscode.window.showInformationMessage(vscode.l10n.t('Deleted the repository {0}.', node.name));
}
