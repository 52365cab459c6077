import { ErrorNode } from '../tree/nodes';
import { Services } from './services';

/** Retry on an error node: loads what failed again, in place. */
export function retry({ tree }: Services, node: ErrorNode): Promise<void> {
  return tree.retry(node);
}
