import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fullPermissions } from './permissions';
import { inParallel, RegistryStorage } from './registryStorage';
import { storageTemplate, TemplateImage, TemplateLayer } from './storageTemplate';
import { RegistryState, World } from './world';

const run = promisify(execFile);

/** Bump when the seeded content changes, so cached registry storage is rebuilt. */
const seedFormat = 3;

export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'acr-access');
}

interface SeedImage {
  repository: string;
  tag: string;
  created: string;
  /** `os/architecture` of each image of a multi-platform image; a single linux/amd64 image without. */
  platforms?: string[];
}

const seedStart = Date.parse('2025-01-06T09:00:00Z');

/** The fixture's own repositories:tags, with a fixed creation time each so the content is reproducible. */
export function seedImages(registry: RegistryState): SeedImage[] {
  const images: SeedImage[] = [];
  Object.entries(registry.fixture.repositories ?? {}).forEach(([repository, tags], i) => {
    const platforms = registry.fixture.platforms?.[repository];
    tags.forEach((tag, j) => images.push({ repository, tag, created: new Date(seedStart + i * 3_600_000 + j * 86_400_000).toISOString(), platforms }));
  });
  return images;
}

/** `<prefix><number>` of generated repositories, numbered from 1 and padded to at least four digits. */
export function generatedRepositoryNames(generated: { prefix: string; count: number }): string[] {
  const width = Math.max(4, String(generated.count).length);
  return Array.from({ length: generated.count }, (_, i) => `${generated.prefix}${String(i + 1).padStart(width, '0')}`);
}

/**
 * The n-th tag pushed (from 0) to a `generatedTags` repository is named after n with its digits reversed
 * (`build-0000`, `build-1000`, `build-2000`, ...), so name order is not push order.
 */
export function generatedTagNames(count: number): string[] {
  const width = Math.max(4, String(count - 1).length);
  return Array.from({ length: count }, (_, n) => `build-${[...String(n).padStart(width, '0')].reverse().join('')}`);
}

const generatedTagsStart = Date.parse('2025-03-03T08:00:00Z');

/**
 * The generated content of a registry, written straight into storage: each generated repository holds the
 * same image for a tag (pushed an hour after the previous repository), and a `generatedTags` repository holds
 * an image of its own per tag, pushed a minute apart. `config` is only made when asked for: starting needs the
 * push times, building the storage template needs the images.
 */
export function generatedImages(registry: RegistryState): Array<{ repository: string; tag: string; created: string; config: () => Record<string, unknown> }> {
  const config = (tag: string, created: string) => (): Record<string, unknown> => ({
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Labels: { 'org.opencontainers.image.version': tag } },
    rootfs: { type: 'layers', diff_ids: [seedLayer().diffId] },
    history: [{ created, created_by: 'ACR Access emulator seed' }],
  });
  const images: ReturnType<typeof generatedImages> = [];
  const generated = registry.fixture.generatedRepositories;
  if (generated) {
    const offset = Object.keys(registry.fixture.repositories ?? {}).length;
    const imageCreated = new Date(seedStart).toISOString();
    generatedRepositoryNames(generated).forEach((repository, i) => {
      generated.tags.forEach((tag, j) => {
        images.push({ repository, tag, created: new Date(seedStart + (offset + i) * 3_600_000 + j * 86_400_000).toISOString(), config: config(tag, imageCreated) });
      });
    });
  }
  const many = registry.fixture.generatedTags;
  if (many) {
    generatedTagNames(many.count).forEach((tag, n) => {
      const created = new Date(generatedTagsStart + n * 60_000).toISOString();
      images.push({ repository: many.repository, tag, created, config: config(tag, created) });
    });
  }
  return images;
}

/** What a registry's storage starts with, found (or built, the first time) before its registry process runs. */
export interface Seed {
  /** Fills the storage of the started registry process, and the registry's tag times. */
  apply(backendPort: number, storage: RegistryStorage): Promise<void>;
}

/**
 * Real single-layer images for a registry. The fixture's own repositories are pushed through the registry's
 * own API with the emulator's tokens the first time (layer uploaded once, mounted into other repositories)
 * and the storage that results is cached, so later runs only unpack it. Generated content is written straight
 * into a storage template built once, which the run links to (storageTemplate.ts).
 */
export async function prepareSeed(world: World, registry: RegistryState): Promise<Seed> {
  const images = seedImages(registry);
  const { generatedRepositories, generatedTags } = registry.fixture;
  let template: string | undefined;
  if (generatedRepositories || generatedTags) {
    // The fixture's description of the generated content determines it, and is far smaller to hash. The
    // images themselves (thousands) are made only to build a template, and their times only once started.
    const spec = { seedFormat, generatedRepositories, generatedTags };
    const templateImages = (): TemplateImage[] => generatedImages(registry).map(({ repository, tag, config }) => ({ repository, tag, config: config() }));
    template = await storageTemplate(cacheDir(), spec, templateImages, seedLayer());
  }
  const apply = async (backendPort: number, storage: RegistryStorage): Promise<void> => {
    for (const image of [...images, ...generatedImages(registry)]) registry.tagTimes.set(`${image.repository}:${image.tag}`, image.created);
    if (images.length > 0) await restoreOrPush(world, registry, backendPort, storage, images);
    if (template) await storage.linkTemplate(template);
  };
  return { apply };
}

async function restoreOrPush(world: World, registry: RegistryState, backendPort: number, storage: RegistryStorage, images: SeedImage[]): Promise<void> {
  const key = createHash('sha256').update(JSON.stringify({ seedFormat, images })).digest('hex').slice(0, 32);
  const cached = join(cacheDir(), 'registry-storage', `${key}.tar`);
  if (existsSync(cached)) {
    await run('tar', ['-xf', cached, '-C', storage.root]);
    return;
  }
  await pushImages(world, registry, backendPort, images);
  await mkdir(join(cacheDir(), 'registry-storage'), { recursive: true });
  const partial = `${cached}.${randomBytes(4).toString('hex')}.partial`;
  await run('tar', ['-cf', partial, '-C', storage.root, '.']);
  await rename(partial, cached).catch(() => rm(partial, { force: true }));
}

async function pushImages(world: World, registry: RegistryState, backendPort: number, images: SeedImage[]): Promise<void> {
  const layer = seedLayer();
  const base = `http://127.0.0.1:${backendPort}`;
  const byRepository = new Map<string, SeedImage[]>();
  for (const image of images) byRepository.set(image.repository, [...(byRepository.get(image.repository) ?? []), image]);
  const repositories = [...byRepository.keys()];
  const first = repositories[0];

  const call = async (repository: string, method: string, url: string, body?: Buffer, contentType?: string, expected = [201, 202]): Promise<Response> => {
    const access = [{ type: 'repository', name: repository, actions: ['pull', 'push'] }];
    if (repository !== first) access.push({ type: 'repository', name: first, actions: ['pull'] });
    const token = world.mintAcrToken(registry, { caller: 'seed', subject: 'seed', permissions: fullPermissions, roles: [] }, 'access_token', { access });
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (contentType) headers['content-type'] = contentType;
    const response = await fetch(url.startsWith('http') ? url : base + url, { method, headers, body: body ? new Uint8Array(body) : undefined });
    if (!expected.includes(response.status)) throw new Error(`seeding ${registry.name}/${repository}: ${method} ${url} answered ${response.status} ${await response.text()}`);
    return response;
  };
  const uploadBlob = async (repository: string, blob: Buffer, digest: string): Promise<void> => {
    const started = await call(repository, 'POST', `/v2/${repository}/blobs/uploads/`);
    const location = new URL(started.headers.get('location') ?? '', base);
    location.searchParams.set('digest', digest);
    // The registry names its public host in Location; seeding talks to the process directly.
    await call(repository, 'PUT', `${location.pathname}${location.search}`, blob, 'application/octet-stream');
  };

  await uploadBlob(first, layer.gzipped, layer.digest);
  await inParallel(repositories, 6, async (repository) => {
    if (repository !== first) await call(repository, 'POST', `/v2/${repository}/blobs/uploads/?mount=${layer.digest}&from=${first}`, undefined, undefined, [201]);
    for (const image of byRepository.get(repository) ?? []) {
      if (!image.platforms) {
        await pushImage(repository, image, 'linux/amd64', image.tag);
        continue;
      }
      // A manifest list, which the registry takes only once the images it names are there: those go by digest.
      const manifests = [];
      for (const platform of image.platforms) {
        const [os, architecture] = platform.split('/');
        manifests.push({ ...(await pushImage(repository, image, platform)), platform: { architecture, os } });
      }
      const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: manifestListType, manifests }));
      await call(repository, 'PUT', `/v2/${repository}/manifests/${image.tag}`, list, manifestListType, [201]);
    }
  });

  /** One image for `platform`, under `tag` or (without one) by its digest; its descriptor. */
  async function pushImage(repository: string, image: SeedImage, platform: string, tag?: string): Promise<{ mediaType: string; size: number; digest: string }> {
    const [os, architecture] = platform.split('/');
    const config = Buffer.from(
      JSON.stringify({
        architecture,
        os,
        created: image.created,
        config: { Labels: { 'org.opencontainers.image.title': image.repository, 'org.opencontainers.image.version': image.tag } },
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
        history: [{ created: image.created, created_by: 'ACR Access emulator seed' }],
      }),
    );
    const configDigest = sha256(config);
    await uploadBlob(repository, config, configDigest);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: imageManifestType,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.gzipped.length, digest: layer.digest }],
      }),
    );
    const digest = sha256(manifest);
    await call(repository, 'PUT', `/v2/${repository}/manifests/${tag ?? digest}`, manifest, imageManifestType, [201]);
    return { mediaType: imageManifestType, size: manifest.length, digest };
  }
}

const imageManifestType = 'application/vnd.docker.distribution.manifest.v2+json';
const manifestListType = 'application/vnd.docker.distribution.manifest.list.v2+json';

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

let layer: TemplateLayer | undefined;

/** One small file in a tar, gzipped: the image's only layer. */
function seedLayer(): TemplateLayer {
  if (layer) return layer;
  const tar = tarOf([{ name: 'etc/acr-access-demo.txt', content: Buffer.from('Seeded by the ACR Access emulator.\n') }]);
  const gzipped = gzipSync(tar, { level: 9 });
  layer = { gzipped, digest: sha256(gzipped), diffId: sha256(tar) };
  return layer;
}

function tarOf(files: Array<{ name: string; content: Buffer }>): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string): void => {
      header.write(value, offset, length, 'ascii');
    };
    const octal = (offset: number, length: number, value: number): void => field(offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
    field(0, 100, file.name);
    octal(100, 8, 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, file.content.length);
    octal(136, 12, Date.parse('2025-01-06T09:00:00Z') / 1000);
    field(148, 8, '        ');
    field(156, 1, '0');
    field(257, 6, 'ustar\0');
    field(263, 2, '00');
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    field(148, 8, checksum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(header, file.content, Buffer.alloc((512 - (file.content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
