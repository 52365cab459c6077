import * as vscode from 'vscode';
import { errorMessage } from '../failures';
import { TreeNode } from '../tree/nodes';
import { pickTreeRegistry } from './pickTreeRegistry';
import { Services } from './services';

interface RepositoryItem extends vscode.QuickPickItem {
  readonly repository?: string;
}

/**
 * Find Repository... Jumps to any repository of a registry by name prefix: each prefix typed is one catalog
 * request that seeks to it, however large the registry.
 */
export async function findRepository(services: Services, node?: TreeNode): Promise<void> {
  // From the view's title bar VS Code passes the tree's focused row, whatever its kind: only a registry says which.
  const registry = node?.kind === 'registry' ? node : await pickTreeRegistry(services, vscode.l10n.t('ACR: Find Repository'));
  if (!registry) return;
  const quickPick = vscode.window.createQuickPick<RepositoryItem>();
  quickPick.title = vscode.l10n.t('Find Repository in {0}', registry.summary?.name ?? registry.loginServer);
  quickPick.placeholder = vscode.l10n.t('Type the start of a repository name');
  let search: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const lookUp = (prefix: string): void => {
    search?.abort();
    const controller = (search = new AbortController());
    quickPick.busy = true;
    services.tree.findRepositories(registry, prefix, controller.signal).then(
      (names) => {
        if (controller.signal.aborted) return;
        quickPick.busy = false;
        quickPick.items =
          names.length > 0
            ? // The registry filtered by prefix already: alwaysShow keeps VS Code's fuzzy matching from hiding any.
              names.map((name) => ({ label: name, repository: name, alwaysShow: true }))
            : [{ label: vscode.l10n.t('No repository starts with "{0}"', prefix), alwaysShow: true }];
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        quickPick.busy = false;
        quickPick.items = [{ label: `$(error) ${errorMessage(error)}`, alwaysShow: true }];
      },
    );
  };

  try {
    const chosen = await new Promise<string | undefined>((resolve) => {
      quickPick.onDidChangeValue((value) => {
        clearTimeout(timer);
        timer = setTimeout(() => lookUp(value), 200);
      });
      quickPick.onDidAccept(() => {
        const repository = quickPick.activeItems[0]?.repository;
        if (repository) resolve(repository);
      });
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.show();
      lookUp('');
    });
    if (chosen) await services.reveal(services.tree.openRepository(registry, chosen, { found: true }), { expand: true });
  } finally {
    clearTimeout(timer);
    search?.abort();
    quickPick.dispose();
  }
}
