import * as vscode from 'vscode';
import { configuredCloud } from '../settings';
import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

/** Open in Portal: the registry's overview page in the Azure portal of the configured cloud. */
export async function openInPortal(_services: Services, node: RegistryNode): Promise<void> {
  const { summary } = node;
  const { portalUrl } = configuredCloud();
  if (!summary) throw new Error(vscode.l10n.t('{0} was added by login server, so its Azure resource is not known.', node.loginServer));
  if (!portalUrl) throw new Error(vscode.l10n.t('The custom cloud names no portal. Set microsoft-sovereign-cloud.customEnvironment.portalUrl to open registries in it.'));
  const resource = `/subscriptions/${summary.subscription.id}/resourceGroups/${summary.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${summary.name}`;
  await vscode.env.openExternal(vscode.Uri.parse(`${portalUrl}/#@${summary.subscription.tenantId}/resource${resource}/overview`));
}
