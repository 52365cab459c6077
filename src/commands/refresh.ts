import { TreeNode } from '../tree/nodes';
import { Services } from './services';

/** Refresh: loads a node of the Registries view again (the whole view from its title bar). */
export function refresh({ tree }: Services, node?: TreeNode): void {
  tree.refresh(node);
}
