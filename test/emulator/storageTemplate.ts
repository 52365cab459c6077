import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { inParallel } from './registryStorage';

/** Bump when the layout written changes, so cached templates are rebuilt. */
const templateFormat = 2;

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
 * thousand repositories take seconds this way. Built once per `spec` (which must determine the images) into
 * `cacheRoot` and shared read-only by every run (RegistryStorage links it in); returns the template's storage root.
 */
export async function storageTemplate(cacheRoot: string, spec: unknown, images: () => TemplateImage[], layer: TemplateLayer): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify({ templateFormat, layer: layer.digest, spec })).digest('hex').slice(0, 32);
  const templates = join(cacheRoot, 'registry-templates');
  const template = join(templates, key);
  if (existsSync(template)) {
    await touch(`${template}.used`);
    return template;
  }
  // In the background: removing a template can take longer than building one.
  void removeStale(templates).catch(() => undefined);
  const partial = `${template}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeLayout(partial, images(), layer);
    await rename(partial, template).catch((error: NodeJS.ErrnoException) => {
      // Another run built the same template meanwhile: theirs is as good, and ours goes in the background.
      if (!existsSync(template)) throw error;
      void rm(partial, { recursive: true, force: true }).catch(() => undefined);
    });
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  await touch(`${template}.used`);
  return template;
}

const hour = 3600_000;

async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => writeFile(path, '').catch(() => undefined));
}

/**
 * Templates no run used for a week (their content changed since) and builds a killed run left behind: each
 * template is a quarter of a million files, so they are not kept forever. A stale template is first renamed
 * to a `.partial`, so a removal cut short never leaves half a template under its key.
 */
async function removeStale(templates: string): Promise<void> {
  const now = Date.now();
  const names = await readdir(templates).catch((): string[] => []);
  for (const name of names) {
    const path = join(templates, name);
    if (name.endsWith('.partial')) {
      if (now - (await stat(path)).mtimeMs > hour) await rm(path, { recursive: true, force: true });
    } else if (!name.endsWith('.used')) {
      const used = await stat(`${path}.used`).catch(() => stat(path));
      if (now - used.mtimeMs > 7 * 24 * hour) {
        const doomed = `${path}.${randomBytes(4).toString('hex')}.partial`;
        await rename(path, doomed);
        await rm(`${path}.used`, { force: true });
        await rm(doomed, { recursive: true, force: true });
      }
    }
  }
}

/**
 * The layout itself. Repositories whose content is the same (10,000 repositories holding one image) get it
 * once, under `_shared` (a name distribution never reads), and reach it through relative symlinks; their
 * own directories hold just those two links, so the template is a fraction of the files.
 */
async function writeLayout(root: string, images: TemplateImage[], layer: TemplateLayer): Promise<void> {
  const v2 = join(root, 'docker', 'registry', 'v2');
  const files = new Map<string, string | Buffer>();
  const symlinks = new Map<string, string>();
  const blob = (content: Buffer): string => {
    const digest = sha256(content);
    const hex = digest.slice('sha256:'.length);
    files.set(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), content);
    return digest;
  };
  const hexOf = (digest: string): string => digest.slice('sha256:'.length);

  blob(layer.gzipped);
  const manifests = new Map<string, { config: string; manifest: string }>();
  /** Per repository: link path inside it -> digest. */
  const contents = new Map<string, Map<string, string>>();
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
    const links = contents.get(image.repository) ?? new Map<string, string>();
    contents.set(image.repository, links);
    links.set(join('_layers', 'sha256', hexOf(layer.digest)), layer.digest);
    links.set(join('_layers', 'sha256', hexOf(blobs.config)), blobs.config);
    links.set(join('_manifests', 'revisions', 'sha256', hexOf(blobs.manifest)), blobs.manifest);
    links.set(join('_manifests', 'tags', image.tag, 'current'), blobs.manifest);
    links.set(join('_manifests', 'tags', image.tag, 'index', 'sha256', hexOf(blobs.manifest)), blobs.manifest);
  }

  const sameContent = new Map<string, string[]>();
  for (const [repository, links] of contents) {
    const key = JSON.stringify([...links].sort());
    sameContent.set(key, [...(sameContent.get(key) ?? []), repository]);
  }
  for (const [key, repositories] of sameContent) {
    const links = contents.get(repositories[0]) ?? new Map<string, string>();
    const shared = repositories.length > 1 ? join(v2, '_shared', createHash('sha256').update(key).digest('hex').slice(0, 16)) : undefined;
    for (const [path, digest] of links) files.set(join(shared ?? join(v2, 'repositories', ...repositories[0].split('/')), path, 'link'), digest);
    if (!shared) continue;
    for (const repository of repositories) {
      const dir = join(v2, 'repositories', ...repository.split('/'));
      for (const part of ['_layers', '_manifests']) symlinks.set(join(dir, part), relative(dir, join(shared, part)));
    }
  }

  const dirs = [...new Set([...files.keys(), ...symlinks.keys()].map((file) => dirname(file)))];
  await inParallel(dirs, 16, async (dir) => void (await mkdir(dir, { recursive: true })));
  await inParallel([...files], 16, ([file, content]) => writeFile(file, content));
  await inParallel([...symlinks], 16, ([path, target]) => symlink(target, path));
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
