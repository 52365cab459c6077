import * as vscode from 'vscode';
import { abortSignalFor } from '../cancellation';
import { listSubscriptions } from '../azure/registries';
import { configuredCloud } from '../settings';
import { Services } from './services';

/** ACR: Select Subscriptions... Which subscriptions the Registries view shows; remembered. */
export async function selectSubscriptions(services: Services): Promise<void> {
  const account = services.account();
  const subscriptions = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing subscriptions'), cancellable: true },
    (_, token) => listSubscriptions((tenantId) => account.credential(tenantId), configuredCloud(), abortSignalFor(token)),
  );
  if (subscriptions.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This account sees no subscriptions.'));
    return;
  }
  const selected = services.treeMemory.selectedSubscriptions();
  const items = subscriptions.map((subscription) => ({
    label: subscription.name,
    description: subscription.tenantName ?? subscription.tenantId,
    detail: subscription.id,
    picked: !selected || selected.includes(subscription.id),
    id: subscription.id,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('ACR: Select Subscriptions'),
    placeHolder: vscode.l10n.t('Subscriptions to show in the Registries view'),
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.length === 0) throw new Error(vscode.l10n.t('Pick at least one subscription; to show them all, pick them all.'));
  await services.treeMemory.selectSubscriptions(picked.length === subscriptions.length ? undefined : picked.map((item) => item.id));
  services.tree.redrawTop();
}
