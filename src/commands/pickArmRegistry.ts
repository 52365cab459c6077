import * as vscode from 'vscode';
import { RegistrySummary } from '../azure/registries';
import { RegistryNode } from '../tree/nodes';
import { pickTreeRegistry } from './pickTreeRegistry';
import { Services } from './services';

/**
 * The registry a management command works on: the node it was run on, or one picked from the Registries view.
 * Only a registry listed from a subscription has the Azure resource such a command changes.
 */
export async function pickArmRegistry(services: Services, node: RegistryNode | undefined, title: string): Promise<{ node: RegistryNode; summary: RegistrySummary } | undefined> {
  const registry = node ?? (await pickTreeRegistry(services, title));
  if (!registry) return undefined;
  if (!registry.summary) {
    throw new Error(vscode.l10n.t('{0} was added by login server, so its Azure resource is not known. Sign in with an account that sees it in a subscription.', registry.loginServer));
  }
  return { node: registry, summary: registry.summary };
}
