import * as vscode from 'vscode';
import { abortSignalFor, isCancellation } from '../cancellation';
import type { DockerEngineConnection } from '../docker/engine';
import { PullProgress, PullResult, pullWithRenewal } from '../docker/pull';
import { imageReference, RegistryNode, RepositoryNode, TagNode } from '../tree/nodes';
import { Services } from './services';
import { setWalkthroughContext, WalkthroughContext } from '../walkthrough';

/** `12.3 MB of 40.1 MB, 2 of 5 layers` */
function describe(progress: PullProgress): string {
  const megabytes = (bytes: number) => new Intl.NumberFormat(vscode.env.language, { maximumFractionDigits: 1 }).format(bytes / 1e6);
  const layers = progress.layersTotal === 1 ? vscode.l10n.t('{0} of 1 layer', progress.layersDone) : vscode.l10n.t('{0} of {1} layers', progress.layersDone, progress.layersTotal);
  return progress.bytesTotal > 0 ? vscode.l10n.t('{0} MB of {1} MB, {2}', megabytes(progress.bytesDone), megabytes(progress.bytesTotal), layers) : layers;
}

/**
 * Pulls one image with the credential passed per request; an `unauthorized` renews the credential once.
 * Cancelled, it says so, and what the engine holds under that name afterwards (it keeps no half-pulled image).
 */
async function pull(services: Services, registry: RegistryNode, reference: string, signal: AbortSignal, onProgress: (progress: PullProgress) => void): Promise<PullResult> {
  const target = { loginServer: registry.loginServer, tenantId: registry.summary?.subscription.tenantId };
  const engine = await services.dockerLogins.connectEngine();
  const before = await imageId(engine, reference);
  try {
    return await pullWithRenewal(engine, reference, (fresh) => services.dockerLogins.pullCredential(services.silentAccount(), target, fresh, signal), { signal, onProgress });
  } catch (error) {
    if (isCancellation(error)) void saySinceCancelled(services, reference, before, await imageId(engine, reference));
    throw error;
  }
}

/** The engine's image id for a reference, or undefined when it has none. */
async function imageId({ docker }: DockerEngineConnection, reference: string): Promise<string | undefined> {
  try {
    return ((await docker.getImage(reference).inspect()) as { Id?: string }).Id;
  } catch {
    return undefined;
  }
}

function saySinceCancelled(services: Services, reference: string, before: string | undefined, after: string | undefined): Thenable<unknown> {
  const message =
    after === undefined
      ? vscode.l10n.t('Cancelled pulling {0}. Nothing was left behind: Docker has no image under that name.', reference)
      : after === before
        ? vscode.l10n.t('Cancelled pulling {0}. Nothing was left behind: the image Docker already had under that name is unchanged.', reference)
        : vscode.l10n.t('The pull of {0} had finished before it could be cancelled: Docker has the image.', reference);
  services.log.info(message);
  return vscode.window.showInformationMessage(message);
}

/**
 * Pull Image: pulls a tag into the Docker engine with a progress notification the user can cancel
 * (cancelling stops the engine's pull), then offers to copy the reference by digest.
 */
export async function pullImage(services: Services, node: TagNode): Promise<void> {
  const reference = imageReference(node, 'tag');
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pulling {0}', reference), cancellable: true },
    async (progress, token) => {
      let reported = 0;
      return pull(services, node.parent.parent, reference, abortSignalFor(token), (update) => {
        const fraction = update.bytesTotal > 0 ? update.bytesDone / update.bytesTotal : update.layersTotal > 0 ? update.layersDone / update.layersTotal : 0;
        progress.report({ message: describe(update), increment: Math.max(0, fraction * 100 - reported) });
        reported = Math.max(reported, fraction * 100);
      });
    },
  );
  services.log.info(`Pulled ${reference} (${result.digest})`);
  void setWalkthroughContext(WalkthroughContext.imagePulled, true);
  const copy = vscode.l10n.t('Copy Reference');
  void vscode.window.showInformationMessage(vscode.l10n.t('Pulled {0} ({1}).', reference, result.digest), copy).then(async (choice) => {
    if (choice === copy) await vscode.env.clipboard.writeText(`${node.parent.parent.loginServer}/${node.parent.name}@${result.digest}`);
  });
}

/** Pull All Tags...: after saying how many, pulls every tag of a repository one after another, cancellable. */
export async function pullAllTags(services: Services, node: RepositoryNode): Promise<void> {
  const content = services.tree.content(node.parent);
  const { tagCount } = await content.repository(node.name);
  if (tagCount === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no tags.', node.name));
    return;
  }
  const confirm = tagCount === 1 ? vscode.l10n.t('Pull 1 Tag') : vscode.l10n.t('Pull {0} Tags', tagCount);
  const question = tagCount === 1 ? vscode.l10n.t('Pull the one tag of {0}?', node.name) : vscode.l10n.t('Pull all {0} tags of {1}?', tagCount, node.name);
  const choice = await vscode.window.showWarningMessage(question, { modal: true }, confirm);
  if (choice !== confirm) return;
  const pulled = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pulling every tag of {0}', node.name), cancellable: true },
    async (progress, token) => {
      const signal = abortSignalFor(token);
      let count = 0;
      let next: string | undefined;
      do {
        const page = await content.tags(node.name, { pageSize: 100, next }, signal);
        for (const tag of page.items) {
          const reference = `${node.parent.loginServer}/${node.name}:${tag.name}`;
          await pull(services, node.parent, reference, signal, (update) => progress.report({ message: `${tag.name}: ${describe(update)}` }));
          count++;
          progress.report({ increment: 100 / tagCount, message: tagCount === 1 ? vscode.l10n.t('{0} of 1 tag', count) : vscode.l10n.t('{0} of {1} tags', count, tagCount) });
        }
        next = page.next;
      } while (next);
      return count;
    },
  );
  if (pulled > 0) void setWalkthroughContext(WalkthroughContext.imagePulled, true);
  void vscode.window.showInformationMessage(pulled === 1 ? vscode.l10n.t('Pulled 1 tag of {0}.', node.name) : vscode.l10n.t('Pulled {0} tags of {1}.', pulled, node.name));
}
