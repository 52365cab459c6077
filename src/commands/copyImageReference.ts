import * as vscode from 'vscode';
import { imageReference, TagNode } from '../tree/nodes';
import { Services } from './services';

async function copy(reference: string): Promise<void> {
  await vscode.env.clipboard.writeText(reference);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', reference), 3000);
}

/** Copy Image Reference: `login-server/repository:tag`. */
export function copyImageReference(_services: Services, node: TagNode): Promise<void> {
  return copy(imageReference(node, 'tag'));
}

/** Copy Image Reference by Digest: `login-server/repository@sha256:...`, which always means the same image. */
export function copyImageDigestReference(_services: Services, node: TagNode): Promise<void> {
  return copy(imageReference(node, 'digest'));
}
