import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Clock, configWriteMode, DockerConfig, updateDockerConfig } from '../../src/docker/config';
import { helperProgram } from '../../src/docker/credentialHelper';
import { eraseDockerCredential, storeDockerCredential } from '../../src/docker/credentials';
import { DockerConfigError } from '../../src/docker/errors';
import { swapSupport } from '../../src/docker/fileSwap';

const platforms: readonly NodeJS.Platform[] = ['win32', 'darwin', 'linux'];
const nullGuid = '00000000-0000-0000-0000-000000000000';
const basic = (username: string, secret: string): string => Buffer.from(`${username}:${secret}`).toString('base64');
const ourEdit = {
  edit: (config: DockerConfig): string => {
    config.auths = { ...config.auths, 'ours.example': { auth: basic('us', 'ours') } };
    return 'done';
  },
};

/**
 * Time that moves only when slept on, and remembers each wait. A sleep lets file operations under way finish
 * (setImmediate comes after the poll phase), as a real wait would, without waiting.
 */
function testClock(): Clock & { readonly waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** A rename that fails as Windows does while another process has config.json open, `times` times, then renames. */
function busyRename(code: string, times: number, meanwhile?: () => void): (from: string, to: string) => void {
  let failed = 0;
  return (from, to) => {
    if (failed++ < times) {
      if (failed === times) meanwhile?.();
      throw Object.assign(new Error(`${code}: operation not permitted, rename '${from}' -> '${to}'`), { code });
    }
    renameSync(from, to);
  };
}

/** A credential helper backed by files, as a shell script, whatever name the platform gives its program. */
const fileHelper = `#!/bin/sh
IFS= read -r input || true
case "$1" in
  store) printf '%s' "$input" > "$HELPER_STORE/entry" ;;
  get) if [ -s "$HELPER_STORE/entry" ]; then cat "$HELPER_STORE/entry"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) : > "$HELPER_STORE/entry" ;;
esac
`;

describe('docker config and credential helpers on win32, darwin and linux (the platform as an input)', () => {
  let dir: string;
  let configDir: string;
  let file: string;

  beforeEach(async () => {
    // Paths with spaces, as Windows and macOS user folders often have.
    dir = await mkdtemp(join(tmpdir(), 'acr docker platforms '));
    configDir = join(dir, 'John Smith', '.docker');
    file = join(configDir, 'config.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const readConfig = async (): Promise<DockerConfig> => JSON.parse(await readFile(file, 'utf8')) as DockerConfig;

  for (const [platform, helpers] of [
    ['win32', { wincred: 'docker-credential-wincred.exe', desktop: 'docker-credential-desktop.exe' }],
    ['darwin', { osxkeychain: 'docker-credential-osxkeychain', desktop: 'docker-credential-desktop' }],
    ['linux', { pass: 'docker-credential-pass', secretservice: 'docker-credential-secretservice' }],
  ] as const) {
    it(`${platform}: the helper programs are named as the docker CLI finds them (${Object.values(helpers).join(', ')})`, () => {
      for (const [name, program] of Object.entries(helpers)) assert.equal(helperProgram(name, platform), program);
    });
  }

  it('win32: no atomic swap, and the write mode says a rename follows a last look, and why', () => {
    assert.equal(swapSupport('win32', 'x64').swap, undefined);
    assert.match(configWriteMode('win32'), /rename after a last look, since Windows has no atomic swap/);
  });

  it(`linux (this machine, ${process.arch}): the prebuilt addon's atomic swap loads, and the write mode says so`, function () {
    if (process.platform !== 'linux') this.skip();
    assert.equal(typeof swapSupport('linux', process.arch).swap, 'function');
    assert.match(configWriteMode('linux'), /atomic swap/);
  });

  it("darwin: the prebuilt macOS addon is looked for (on this Linux machine it does not load, and the write mode says why instead of falling back silently)", function () {
    if (process.platform === 'darwin') this.skip();
    const support = swapSupport('darwin', 'arm64');
    assert.ok(!support.swap && /did not load/.test(support.reason), JSON.stringify(support));
    assert.match(configWriteMode('darwin'), /rename after a last look, since the swap addon .*darwin-.* did not load/);
  });

  it('a platform with no prebuilt swap says so', () => {
    assert.match(configWriteMode('freebsd'), /no atomic swap is built for freebsd-/);
  });

  for (const platform of platforms) {
    const retries = platform === 'win32';
    for (const code of ['EPERM', 'EBUSY', 'EACCES']) {
      it(`${platform}: a rename over config.json refused with ${code} ${retries ? 'is tried again after 10, 20 and 40 ms, each after a new last look' : 'fails at once (not a sharing error there)'}`, async () => {
        await mkdir(configDir, { recursive: true });
        await writeFile(file, '{}');
        const clock = testClock();
        const write = updateDockerConfig({ env: { DOCKER_CONFIG: configDir }, platform }, () => Promise.resolve(ourEdit), { swap: null, rename: busyRename(code, 3), clock });
        if (retries) {
          assert.equal(await write, 'done');
          assert.deepEqual(clock.waits, [10, 20, 40]);
          assert.deepEqual(Object.keys((await readConfig()).auths ?? {}), ['ours.example']);
        } else {
          await assert.rejects(write, (error: NodeJS.ErrnoException) => error.code === code);
          assert.deepEqual(clock.waits, []);
          assert.equal(await readFile(file, 'utf8'), '{}');
        }
        assert.deepEqual(await readdir(configDir), ['config.json'], 'a temp or lock file was left');
      });
    }
  }

  it('win32: a docker login saved while the rename waits is kept: the look before the next try sees it, and the edit is made again on it', async () => {
    await mkdir(configDir, { recursive: true });
    await writeFile(file, '{}');
    const theirs = { auths: { 'theirs.example': { auth: basic('them', 'their-secret') } } };
    const theirSave = (): void => {
      writeFileSync(`${file}.theirs`, JSON.stringify(theirs));
      renameSync(`${file}.theirs`, file);
    };
    let edits = 0;
    const edit = (config: DockerConfig): string => (edits++, ourEdit.edit(config));
    const clock = testClock();
    assert.equal(await updateDockerConfig({ env: { DOCKER_CONFIG: configDir }, platform: 'win32' }, () => Promise.resolve({ edit }), { swap: null, rename: busyRename('EBUSY', 1, theirSave), clock }), 'done');
    assert.equal(edits, 2);
    assert.deepEqual(Object.keys((await readConfig()).auths ?? {}).sort(), ['ours.example', 'theirs.example']);
  });

  it('win32: a rename refused for 15 s gives up, says which programs to close and that config.json was not changed', async () => {
    await mkdir(configDir, { recursive: true });
    const before = JSON.stringify({ auths: { 'theirs.example': { auth: basic('them', 'their-secret') } } });
    await writeFile(file, before);
    const clock = testClock();
    await assert.rejects(
      updateDockerConfig({ env: { DOCKER_CONFIG: configDir }, platform: 'win32' }, () => Promise.resolve(ourEdit), { swap: null, rename: busyRename('EPERM', Infinity), clock }),
      (error: unknown) => {
        assert.ok(error instanceof DockerConfigError);
        assert.ok(error.message.startsWith(`${file} was left untouched: Windows refused to replace it for 15 s (EPERM)`), error.message);
        assert.match(error.message, /docker\.exe/);
        assert.match(error.message, /Docker Desktop/);
        assert.match(error.message, /antivirus/);
        return true;
      },
    );
    assert.ok(clock.now() >= 15_000 && clock.now() < 16_000, `gave up after ${clock.now()} ms`);
    assert.ok(Math.max(...clock.waits) <= 1_000, `a wait of ${Math.max(...clock.waits)} ms`);
    assert.equal(await readFile(file, 'utf8'), before);
    assert.deepEqual(await readdir(configDir), ['config.json'], 'a temp or lock file was left');
  });

  for (const platform of platforms) {
    it(`${platform}: a config.json with CRLF line endings (a Windows editor) is read, and written back with CRLF; one with LF keeps LF`, async () => {
      await mkdir(configDir, { recursive: true });
      const environment = { env: { DOCKER_CONFIG: configDir }, platform };
      await writeFile(file, '{\r\n\t"auths": {\r\n\t\t"theirs.example": {}\r\n\t}\r\n}\r\n');
      await updateDockerConfig(environment, () => Promise.resolve(ourEdit), { swap: null });
      const crlf = await readFile(file, 'utf8');
      assert.ok(crlf.endsWith('}\r\n') && !/[^\r]\n/.test(crlf), JSON.stringify(crlf));
      assert.deepEqual(Object.keys((JSON.parse(crlf) as DockerConfig).auths ?? {}).sort(), ['ours.example', 'theirs.example']);
      await writeFile(file, '{\n\t"auths": {}\n}\n');
      await updateDockerConfig(environment, () => Promise.resolve(ourEdit), { swap: null });
      assert.ok(!(await readFile(file, 'utf8')).includes('\r'));
    });

    it(`${platform}: through a credential helper named as on ${platform}, with the config and the helper in folders with spaces`, async () => {
      const bin = join(dir, 'Program Files', 'Docker', 'bin');
      const store = join(dir, 'helper store');
      await mkdir(bin, { recursive: true });
      await mkdir(store);
      await mkdir(configDir, { recursive: true });
      const program = helperProgram('acrtest', platform);
      await writeFile(join(bin, program), fileHelper);
      await chmod(join(bin, program), 0o755);
      await writeFile(file, JSON.stringify({ credsStore: 'acrtest' }));
      const environment = { env: { PATH: [bin, process.env.PATH].join(delimiter), DOCKER_CONFIG: configDir, HELPER_STORE: store }, platform };
      const ours = { serverAddress: 'contoso.azurecr.io', username: nullGuid, secret: 'refresh-token' };
      assert.deepEqual(await storeDockerCredential(ours, environment), { kind: 'helper', program, file });
      assert.deepEqual(JSON.parse(await readFile(join(store, 'entry'), 'utf8')), { ServerURL: ours.serverAddress, Username: nullGuid, Secret: ours.secret });
      assert.deepEqual(await readConfig(), { credsStore: 'acrtest', auths: { 'contoso.azurecr.io': {} } });
      assert.equal(await eraseDockerCredential(ours, environment), 'removed');
      assert.equal(await readFile(join(store, 'entry'), 'utf8'), '');
    });
  }
});
