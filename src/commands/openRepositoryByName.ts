import * as vscode from 'vscode';
import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

// Docker's repository name grammar: lower-case path components separated by `/`.
const repositoryName = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * Open Repository by Name... For a registry whose catalog the user may not list (repository permissions,
 * repository-scoped tokens): adds a repository they know, remembered for that registry, whose tags then list
 * with a scope for that repository alone.
 */
export async function openRepositoryByName(services: Services, node: RegistryNode): Promise<void> {
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Open Repository in {0}', node.summary?.name ?? node.loginServer),
    prompt: vscode.l10n.t('The repository name, such as team/api'),
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.trim() === '' || repositoryName.test(value.trim())
        ? undefined
        : vscode.l10n.t('A repository name has lower-case letters, digits and . _ - separators, in parts separated by /, such as team/api.'),
  });
  const name = typed?.trim();
  if (!name) return;
  await services.treeMemory.rememberOpenedRepository(node.loginServer, name);
  await services.reveal(services.tree.openRepository(node, name), { expand: true });
}
