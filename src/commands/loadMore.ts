import { RegistryNode, RepositoryNode } from '../tree/nodes';
import { Services } from './services';

/** Load more...: appends the next page of repositories or tags. */
export function loadMore({ tree }: Services, node: RegistryNode | RepositoryNode): Promise<void> {
  return tree.loadMore(node);
}
