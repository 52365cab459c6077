import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fullPermissions } from './permissions';
import { RegistryState, World } from './world';

const run = promisify(execFile);

/** Bump when the seeded content changes, so cached registry storage is rebuilt. */
const seedFormat = 1;

export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'acr-access');
}

interface SeedImage {
  repository: string;
  tag: string;
  created: string;
}

/** Every repository:tag of a registry, with a fixed creation time each so the content is reproducible. */
export function seedImages(registry: RegistryState): SeedImage[] {
  const images: SeedImage[] = [];
  const explicit = Object.entries(registry.fixture.repositories ?? {});
  const generated = registry.fixture.generatedRepositories;
  const generatedRepos: Array<[string, string[]]> = generated
    ? Array.from({ length: generated.count }, (_, i) => [`${generated.prefix}${String(i + 1).padStart(4, '0')}`, generated.tags])
    : [];
  const start = Date.parse('2025-01-06T09:00:00Z');
  [...explicit, ...generatedRepos].forEach(([repository, tags], i) => {
    tags.forEach((tag, j) => images.push({ repository, tag, created: new Date(start + i * 3_600_000 + j * 86_400_000).toISOString() }));
  });
  return images;
}

/**
 * Fills a registry with real single-layer images. The first run pushes them through the registry's own API
 * with the emulator's tokens (layer uploaded once, mounted into other repositories); the storage that results
 * is cached, so later runs with the same content only unpack it.
 */
export async function seedRegistry(world: World, registry: RegistryState, backendPort: number, storageDir: string): Promise<void> {
  const images = seedImages(registry);
  for (const image of images) registry.tagTimes.set(`${image.repository}:${image.tag}`, image.created);
  if (images.length === 0) return;
  const key = createHash('sha256').update(JSON.stringify({ seedFormat, images })).digest('hex').slice(0, 32);
  const cached = join(cacheDir(), 'registry-storage', `${key}.tar`);
  if (existsSync(cached)) {
    await run('tar', ['-xf', cached, '-C', storageDir]);
    return;
  }
  await pushImages(world, registry, backendPort, images);
  await mkdir(join(cacheDir(), 'registry-storage'), { recursive: true });
  const partial = `${cached}.${randomBytes(4).toString('hex')}.partial`;
  await run('tar', ['-cf', partial, '-C', storageDir, '.']);
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
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
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
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
          layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.gzipped.length, digest: layer.digest }],
        }),
      );
      await call(repository, 'PUT', `/v2/${repository}/manifests/${image.tag}`, manifest, 'application/vnd.docker.distribution.manifest.v2+json', [201]);
    }
  });
}

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** One small file in a tar, gzipped: the image's only layer. */
function seedLayer(): { gzipped: Buffer; digest: string; diffId: string } {
  const tar = tarOf([{ name: 'etc/acr-access-demo.txt', content: Buffer.from('Seeded by the ACR Access emulator.\n') }]);
  const gzipped = gzipSync(tar, { level: 9 });
  return { gzipped, digest: sha256(gzipped), diffId: sha256(tar) };
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
