import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerEnvironment } from '../../src/docker/config';
import { eraseDockerCredential, storeDockerCredential } from '../../src/docker/credentials';
import { DockerConfigError } from '../../src/docker/errors';

const nullGuid = '00000000-0000-0000-0000-000000000000';
const registry = 'contoso.azurecr.io';
const ours = { serverAddress: registry, username: nullGuid, secret: 'refresh-token-of-the-extension' };

function basic(username: string, secret: string): string {
  return Buffer.from(`${username}:${secret}`).toString('base64');
}

describe('docker config.json: storing and erasing credentials', () => {
  let dir: string;
  let environment: DockerEnvironment;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-config-unit-'));
    environment = { env: { DOCKER_CONFIG: join(dir, 'docker') }, homeDir: join(dir, 'home') };
    file = join(dir, 'docker', 'config.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const writeConfig = async (text: string): Promise<void> => {
    await mkdir(join(dir, 'docker'), { recursive: true });
    await writeFile(file, text, { mode: 0o600 });
  };
  const readConfig = async (): Promise<Record<string, unknown>> => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

  it('creates the DOCKER_CONFIG folder and a config.json with mode 0600 holding base64(user:secret)', async () => {
    const stored = await storeDockerCredential(ours, environment);
    assert.deepEqual(stored, { kind: 'config', file });
    assert.deepEqual(await readConfig(), { auths: { [registry]: { auth: basic(nullGuid, ours.secret) } } });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('uses ~/.docker when DOCKER_CONFIG is not set', async () => {
    await storeDockerCredential(ours, { env: {}, homeDir: join(dir, 'home') });
    const written = JSON.parse(await readFile(join(dir, 'home', '.docker', 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
    assert.deepEqual(Object.keys(written.auths), [registry]);
  });

  it('keeps every other entry and unknown field, and drops only the stale credential fields of its own entry', async () => {
    const before = {
      auths: {
        'other.example': { auth: basic('someone', 'their-password'), email: 'x@example.com' },
        [registry]: { auth: basic('old', 'old'), identitytoken: 'stale-identity-token', 'x-note': 'kept' },
        'https://index.docker.io/v1/': {},
      },
      credsStore: '',
      currentContext: 'remote',
      proxies: { default: { httpProxy: 'http://proxy.example:3128' } },
      'x-unknown': [1, { nested: true }],
    };
    await writeConfig(JSON.stringify(before));
    await storeDockerCredential(ours, environment);
    assert.deepEqual(await readConfig(), {
      ...before,
      auths: { ...before.auths, [registry]: { 'x-note': 'kept', auth: basic(nullGuid, ours.secret) } },
    });
  });

  it('tightens an existing 0644 config.json to 0600', async () => {
    await writeConfig('{}');
    await chmod(file, 0o644);
    await storeDockerCredential(ours, environment);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('replaces the file by rename: a reader of the old file sees it whole, and no temp file is left', async () => {
    const original = JSON.stringify({ auths: { 'other.example': { auth: basic('a', 'b') } } });
    await writeConfig(original);
    const inodeBefore = (await stat(file)).ino;
    const oldReader = await open(file, 'r');
    try {
      await storeDockerCredential(ours, environment);
      // Written in place, the old descriptor would see the new (or a truncated) content.
      assert.equal(await oldReader.readFile('utf8'), original);
    } finally {
      await oldReader.close();
    }
    assert.notEqual((await stat(file)).ino, inodeBefore);
    assert.deepEqual(await readdir(join(dir, 'docker')), ['config.json']);
  });

  it('serializes concurrent stores to the same file, so none is lost', async () => {
    const hosts = ['one.azurecr.io', 'two.azurecr.io', 'three.azurecr.io', 'four.azurecr.io'];
    await Promise.all(hosts.map((host) => storeDockerCredential({ ...ours, serverAddress: host }, environment)));
    assert.deepEqual(Object.keys((await readConfig()).auths as object).sort(), [...hosts].sort());
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['truncated JSON', '{"auths": {"other.example": {"auth": "YTpi"}', /not valid JSON/],
    ['a JSON array', '[]', /must hold a JSON object, not an array/],
    ['auths as an array', '{"auths": []}', /"auths" must be an object keyed by registry host, not an array/],
    ['an auths entry that is a string', '{"auths": {"other.example": "YTpi"}}', /"auths"."other.example" must be an object, not a string/],
    ['an auth that is a number', '{"auths": {"other.example": {"auth": 5}}}', /"auths"."other.example"."auth" must be a string, not a number/],
    ['credsStore that is not a string', '{"credsStore": {"name": "pass"}}', /"credsStore" must name a credential helper/],
    ['a credHelpers path instead of a name', '{"credHelpers": {"contoso.azurecr.io": "../../bin/sh"}}', /"credHelpers"."contoso.azurecr.io" must name a credential helper/],
  ];
  for (const [what, text, message] of malformed) {
    it(`leaves a config with ${what} byte-for-byte untouched and says which file and what to fix`, async () => {
      await writeConfig(text);
      await assert.rejects(storeDockerCredential(ours, environment), (error: unknown) => {
        assert.ok(error instanceof DockerConfigError);
        assert.equal(error.file, file);
        assert.match(error.message, message);
        assert.ok(error.message.startsWith(`${file} was left untouched:`), error.message);
        assert.match(error.message, /Fix|move the file away/);
        return true;
      });
      await assert.rejects(eraseDockerCredential(ours, environment), DockerConfigError);
      assert.equal(await readFile(file, 'utf8'), text);
      assert.deepEqual(await readdir(join(dir, 'docker')), ['config.json']);
    });
  }

  it('erases the entry it wrote and keeps the others', async () => {
    await writeConfig(JSON.stringify({ auths: { 'other.example': { auth: basic('a', 'b') } }, 'x-unknown': true }));
    await storeDockerCredential(ours, environment);
    assert.equal(await eraseDockerCredential(ours, environment), 'removed');
    assert.deepEqual(await readConfig(), { auths: { 'other.example': { auth: basic('a', 'b') } }, 'x-unknown': true });
  });

  it('erases by username alone when the secret is not known', async () => {
    await storeDockerCredential(ours, environment);
    assert.equal(await eraseDockerCredential({ serverAddress: registry, username: nullGuid }, environment), 'removed');
    assert.deepEqual(await readConfig(), { auths: {} });
  });

  it('keeps an entry the user replaced with their own docker login (other user, or other secret)', async () => {
    for (const [username, secret] of [['admin-user', 'their-password'], [nullGuid, 'their-own-refresh-token']]) {
      await storeDockerCredential(ours, environment);
      const theirs = JSON.stringify({ auths: { [registry]: { auth: basic(username, secret) } } });
      await writeConfig(theirs);
      const erased = username === nullGuid ? eraseDockerCredential(ours, environment) : eraseDockerCredential({ serverAddress: registry, username: nullGuid }, environment);
      assert.equal(await erased, 'kept');
      assert.equal(await readFile(file, 'utf8'), theirs);
    }
  });

  it('reports absent and writes nothing when there is no entry for the registry', async () => {
    const text = JSON.stringify({ auths: { 'other.example': { auth: basic('a', 'b') } } });
    await writeConfig(text);
    const inode = (await stat(file)).ino;
    assert.equal(await eraseDockerCredential(ours, environment), 'absent');
    assert.equal(await readFile(file, 'utf8'), text);
    assert.equal((await stat(file)).ino, inode);
  });

  it('refuses a malformed server address before touching the config', async () => {
    await assert.rejects(storeDockerCredential({ ...ours, serverAddress: 'https://contoso.azurecr.io/v2/' }, environment), /not a registry server address: leave out the scheme/);
    await assert.rejects(stat(file), { code: 'ENOENT' });
  });
});
