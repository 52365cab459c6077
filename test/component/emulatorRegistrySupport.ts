import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { RunningEmulator } from '../world/emulator';
import { accessToken, acrScope, entraToken, refreshToken } from './emulatorSupport';

/** What the data-plane tests of the emulator share: tokens for one caller, and pushing small images. */

export interface Caller {
  /** `Authorization` header value for a fresh access token with these scopes. */
  authorization(scopes: string[]): Promise<string>;
}

/** A caller signed in as a fixture service principal: one refresh token, an access token per call. */
export async function callerOf(emulator: RunningEmulator, registry: string, client: { clientId: string; secret: string }): Promise<Caller> {
  const login = emulator.loginServer(registry);
  const refresh = await refreshToken(login, await entraToken(emulator, client, acrScope));
  return { authorization: async (scopes) => `Bearer ${await accessToken(login, refresh, scopes)}` };
}

export interface PushedImage {
  digest: string;
  tags: string[];
  layerDigest: string;
}

const manifestType = 'application/vnd.docker.distribution.manifest.v2+json';

/**
 * Pushes a one-layer image under `tags` through the login server (so the registry's own upload API stores it),
 * with a random label so every call makes a new digest.
 */
export async function pushImage(emulator: RunningEmulator, registry: string, caller: Caller, repository: string, tags: string[]): Promise<PushedImage> {
  const base = `https://${emulator.loginServer(registry)}`;
  const authorization = await caller.authorization([`repository:${repository}:pull,push`]);
  const upload = async (blob: Buffer): Promise<string> => {
    const digest = sha256(blob);
    const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization } });
    assert.equal(started.status, 202, await started.text());
    const location = new URL(started.headers.get('location') ?? '', base);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', headers: { authorization, 'content-type': 'application/octet-stream' }, body: new Uint8Array(blob) });
    assert.equal(put.status, 201, await put.text());
    return digest;
  };
  const layer = Buffer.from(`layer ${randomBytes(8).toString('hex')}`);
  const layerDigest = await upload(layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', config: { Labels: { nonce: randomBytes(8).toString('hex') } }, rootfs: { type: 'layers', diff_ids: [layerDigest] } }));
  const configDigest = await upload(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestType,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest }],
    }),
  );
  for (const tag of tags) {
    const put = await fetch(`${base}/v2/${repository}/manifests/${tag}`, { method: 'PUT', headers: { authorization, 'content-type': manifestType }, body: new Uint8Array(manifest) });
    assert.equal(put.status, 201, await put.text());
  }
  return { digest: sha256(manifest), tags, layerDigest };
}

/** A repository name no other test uses. */
export function uniqueRepository(prefix: string): string {
  return `${prefix}/${randomBytes(4).toString('hex')}`;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
