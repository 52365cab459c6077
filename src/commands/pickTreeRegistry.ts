import * as vscode from 'vscode';
import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

/** For a registry command run from the palette: a quick pick of the registries the Registries view knows. */
export async function pickTreeRegistry(services: Services, title: string): Promise<RegistryNode | undefined> {
  const registries = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing registries') }, () =>
    services.tree.allRegistries(),
  );
  if (registries.length === 0) throw new Error(vscode.l10n.t('No registries to choose from. Sign in, or add a registry by its login server.'));
  const picked = await vscode.window.showQuickPick(
    registries.map((registry) => ({ label: registry.summary?.name ?? registry.loginServer, description: registry.loginServer, registry })),
    { title, placeHolder: vscode.l10n.t('Registry'), matchOnDescription: true },
  );
  return picked?.registry;
}
