import { RegistryNode } from '../tree/nodes';
import { Services } from './services';

/** Remove from View: takes a registry added by login server out of the Registries view (nothing changes in it). */
export async function removeRegistry(services: Services, node: RegistryNode): Promise<void> {
  await services.treeMemory.forgetLoginServer(node.loginServer);
  services.tree.redrawTop();
}
