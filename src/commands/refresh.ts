import { TreeNode } from '../tree/nodes';
import { Services } from './services';

/** Refresh on a node of the Registries view: loads it again. */
export function refresh({ tree }: Services, node: TreeNode): void {
  tree.refresh(node);
}

/** Refresh in the view's title bar (and the palette): loads the whole view again, whichever row has focus. */
export function refreshAll({ tree }: Services): void {
  tree.refresh();
}
