import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containersAuthFile, storeContainersCredential } from '../../src/docker/containersAuth';
import { EngineLocation } from '../../src/docker/engine';

describe("containers' auth file: where podman, buildah and skopeo look, and when the extension writes it", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-containers-auth-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json on Linux, else ~/.config/containers/auth.json', () => {
    const cases: [NodeJS.Platform, NodeJS.ProcessEnv, string, string][] = [
      ['linux', { REGISTRY_AUTH_FILE: '/srv/auth.json', XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/ann', '/srv/auth.json'],
      ['linux', { XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/ann', '/run/user/1000/containers/auth.json'],
      ['linux', {}, '/home/ann', '/home/ann/.config/containers/auth.json'],
      ['darwin', { XDG_RUNTIME_DIR: '/tmp/xdg' }, '/Users/ann', '/Users/ann/.config/containers/auth.json'],
      ['win32', {}, 'C:\\Users\\Ann Lee', 'C:\\Users\\Ann Lee\\.config\\containers\\auth.json'],
    ];
    for (const [platform, env, homeDir, file] of cases) assert.equal(containersAuthFile({ env, platform, homeDir }), file, `${platform} ${JSON.stringify(env)}`);
  });

  const engine = (kind: 'docker' | 'podman'): EngineLocation => ({ host: 'unix:///x.sock', source: 'test', tried: [], engines: [kind], system: { platform: 'linux', wsl: false } });
  const credential = { serverAddress: 'contosoapps.azurecr.io', username: '00000000-0000-0000-0000-000000000000', secret: 'refresh-token' };

  it('is written when the engine is Podman, or podman, buildah or skopeo is on PATH, and not otherwise', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    const env = (name: string, path: string): NodeJS.ProcessEnv => ({ REGISTRY_AUTH_FILE: join(dir, name, 'auth.json'), PATH: path });

    assert.equal(await storeContainersCredential(credential, { env: env('none', bin), platform: 'linux' }, engine('docker')), undefined);
    await assert.rejects(stat(join(dir, 'none')), { code: 'ENOENT' });

    const chosen = await storeContainersCredential(credential, { env: env('podman', bin), platform: 'linux' }, engine('podman'));
    assert.deepEqual(chosen, { kind: 'config', file: join(dir, 'podman', 'auth.json') });

    await writeFile(join(bin, 'skopeo'), '');
    await chmod(join(bin, 'skopeo'), 0o755);
    await storeContainersCredential(credential, { env: env('skopeo', `/nonexistent:${bin}`), platform: 'linux' }, engine('docker'));
    const written = JSON.parse(await readFile(join(dir, 'skopeo', 'auth.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(written.auths[credential.serverAddress].auth, Buffer.from(`${credential.username}:${credential.secret}`).toString('base64'));
  });
});
