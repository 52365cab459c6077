import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inParallel } from './registryStorage';

/** Bump when the layout written changes, so cached templates are rebuilt. */
const templateFormat = 1;

export interface TemplateImage {
  repository: string;
  tag: string;
  /** The image config; images with equal configs share their blobs. */
  config: Record<string, unknown>;
}

export interface TemplateLayer {
  gzipped: Buffer;
  digest: string;
  diffId: string;
}

/**
 * Registry storage for many generated images, written straight in distribution 2.8's filesystem layout
 * (each blob once, then per repository the `_layers` and `_manifests` links to it) rather than pushed: ten
 * thousand repositories take seconds this way. Built once per content into `cacheRoot` and shared read-only by
 * every run (RegistryStorage links it in); returns the template's storage root.
 */
export async function storageTemplate(cacheRoot: string, images: TemplateImage[], layer: TemplateLayer): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify({ templateFormat, layer: layer.digest, images })).digest('hex').slice(0, 32);
  const template = join(cacheRoot, 'registry-templates', key);
  if (existsSync(template)) return template;
  const partial = `${template}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeLayout(partial, images, layer);
    await rename(partial, template).catch(async (error: NodeJS.ErrnoException) => {
      // Another run built the same template meanwhile: theirs is as good.
      if (!existsSync(template)) throw error;
      await rm(partial, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  return template;
}

async function writeLayout(root: string, images: TemplateImage[], layer: TemplateLayer): Promise<void> {
  const v2 = join(root, 'docker', 'registry', 'v2');
  const files = new Map<string, string | Buffer>();
  const blob = (content: Buffer): string => {
    const digest = sha256(content);
    const hex = digest.slice('sha256:'.length);
    files.set(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), content);
    return digest;
  };
  const link = (repository: string, path: string[], digest: string): void => {
    files.set(join(v2, 'repositories', ...repository.split('/'), ...path, 'link'), digest);
  };
  const hexOf = (digest: string): string => digest.slice('sha256:'.length);

  blob(layer.gzipped);
  const manifests = new Map<string, { config: string; manifest: string }>();
  for (const image of images) {
    const configText = JSON.stringify(image.config);
    let blobs = manifests.get(configText);
    if (!blobs) {
      const config = Buffer.from(configText);
      const configDigest = blob(config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
          layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.gzipped.length, digest: layer.digest }],
        }),
      );
      blobs = { config: configDigest, manifest: blob(manifest) };
      manifests.set(configText, blobs);
    }
    link(image.repository, ['_layers', 'sha256', hexOf(layer.digest)], layer.digest);
    link(image.repository, ['_layers', 'sha256', hexOf(blobs.config)], blobs.config);
    link(image.repository, ['_manifests', 'revisions', 'sha256', hexOf(blobs.manifest)], blobs.manifest);
    link(image.repository, ['_manifests', 'tags', image.tag, 'current'], blobs.manifest);
    link(image.repository, ['_manifests', 'tags', image.tag, 'index', 'sha256', hexOf(blobs.manifest)], blobs.manifest);
  }

  const dirs = [...new Set([...files.keys()].map((file) => dirname(file)))];
  await inParallel(dirs, 16, async (dir) => void (await mkdir(dir, { recursive: true })));
  await inParallel([...files], 16, ([file, content]) => writeFile(file, content));
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
