import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerConfig, updateDockerConfig } from '../../src/docker/config';

const basic = (username: string, secret: string): string => Buffer.from(`${username}:${secret}`).toString('base64');

describe('docker config.json without an atomic swap (Windows, NFS): the look just before the rename', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-config-no-swap-'));
    file = join(dir, 'config.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a docker login saved after config.json was read under the lock: the edit is made again to what it saved', async () => {
    await writeFile(file, JSON.stringify({ auths: { 'first.example': { auth: basic('a', 'b') } } }), { mode: 0o600 });
    let edits = 0;
    const edit = (config: DockerConfig): string => {
      if (edits++ === 0) {
        // As `docker login` saves, which takes no lock: its whole file written aside, then renamed over config.json.
        writeFileSync(`${file}.theirs`, JSON.stringify({ auths: { ...config.auths, 'theirs.example': { auth: basic('them', 'their-secret') } } }));
        renameSync(`${file}.theirs`, file);
      }
      config.auths = { ...config.auths, 'ours.example': { auth: basic('us', 'ours') } };
      return 'done';
    };
    assert.equal(await updateDockerConfig({ env: { DOCKER_CONFIG: dir } }, () => Promise.resolve({ edit }), { swap: null }), 'done');
    const written = JSON.parse(await readFile(file, 'utf8')) as DockerConfig;
    assert.deepEqual(Object.keys(written.auths ?? {}).sort(), ['first.example', 'ours.example', 'theirs.example']);
  });
});
