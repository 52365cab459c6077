import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerConfig, DockerEnvironment, updateDockerConfig } from '../../src/docker/config';
import { eraseDockerCredential, storeDockerCredential } from '../../src/docker/credentials';
import { DockerConfigError } from '../../src/docker/errors';
import { atomicSwap, SwapFiles } from '../../src/docker/fileSwap';

const ours = { serverAddress: 'contoso.azurecr.io', username: '00000000-0000-0000-0000-000000000000', secret: 'refresh-token-of-the-extension' };
const basic = (username: string, secret: string): string => Buffer.from(`${username}:${secret}`).toString('base64');

describe('docker config.json: config.json.lock and changes made while writing', () => {
  let dir: string;
  let environment: DockerEnvironment;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-config-lock-'));
    environment = { env: { DOCKER_CONFIG: dir } };
    file = join(dir, 'config.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const readConfig = async (): Promise<DockerConfig> => JSON.parse(await readFile(file, 'utf8')) as DockerConfig;
  /** What another program (the docker CLI, which takes no lock) writes while ACR Access is writing. */
  const theirLogin = async (host: string): Promise<void> => {
    const config = JSON.parse((await readFile(file, 'utf8').catch(() => '')) || '{}') as DockerConfig;
    config.auths = { ...config.auths, [host]: { auth: basic('them', 'their-secret') } };
    await writeFile(file, JSON.stringify(config));
  };

  /** As `docker login` saves: its whole file written aside, then renamed over config.json. */
  const theirSave = (text: string): void => {
    writeFileSync(`${file}.theirs`, text, { mode: 0o600 });
    renameSync(`${file}.theirs`, file);
  };
  /** The platform's atomic swap, with another program's save landing just before its first use: after ACR Access's last look. */
  const swapAfter = (save: () => void): SwapFiles => {
    const swap = atomicSwap() ?? assert.fail(`no atomic swap on ${process.platform}-${process.arch}`);
    let saved = false;
    return (first, second) => {
      if (!saved) save();
      saved = true;
      swap(first, second);
    };
  };
  const ourEdit = {
    edit: (config: DockerConfig): string => {
      config.auths = { ...config.auths, 'ours.example': { auth: basic('us', 'ours') } };
      return 'done';
    },
  };

  it('keeps an entry written by another program after config.json was read under the lock: the edit is made again to the new content', async () => {
    await writeFile(file, JSON.stringify({ auths: { 'first.example': { auth: basic('a', 'b') } } }), { mode: 0o600 });
    let edits = 0;
    const result = await updateDockerConfig(environment, () =>
      Promise.resolve({
        edit: (config: DockerConfig) => {
          // The first edit is made to what was read; their login lands before the look that follows it.
          if (edits++ === 0) theirSave(JSON.stringify({ auths: { ...config.auths, 'theirs.example': { auth: basic('them', 'their-secret') } } }));
          config.auths = { ...config.auths, 'ours.example': { auth: basic('us', 'ours') } };
          return 'done';
        },
      }),
    );
    assert.equal(result, 'done');
    assert.equal(edits, 2, 'the change was not made again');
    assert.deepEqual(Object.keys((await readConfig()).auths ?? {}).sort(), ['first.example', 'ours.example', 'theirs.example']);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['config.json'], 'a temp or lock file was left');
  });

  it('decides (and calls credential helpers) under config.json.lock, and makes the edit again to what a program that takes no lock wrote meanwhile', async () => {
    await writeFile(file, '{}', { mode: 0o600 });
    let lockedWhileDeciding: boolean | undefined;
    await updateDockerConfig(environment, async () => {
      lockedWhileDeciding = existsSync(`${file}.lock`);
      await theirLogin('theirs.example');
      return ourEdit;
    });
    assert.equal(lockedWhileDeciding, true, 'the lock was not held while deciding');
    assert.deepEqual(Object.keys((await readConfig()).auths ?? {}).sort(), ['ours.example', 'theirs.example']);
  });


  it('keeps a docker login that lands after the last look, just before the swap: it goes back at once, and the edit is made again on it', async () => {
    await writeFile(file, JSON.stringify({ auths: { 'first.example': { auth: basic('a', 'b') } } }), { mode: 0o600 });
    const theirs = JSON.stringify({ auths: { 'first.example': { auth: basic('a', 'b') }, 'theirs.example': { auth: basic('them', 'their-secret') } } });
    let edits = 0;
    // Their file goes back before anything else of this process runs.
    let seenMeanwhile = '';
    const save = (): void => {
      theirSave(theirs);
      setImmediate(() => (seenMeanwhile = readFileSync(file, 'utf8')));
    };
    const result = await updateDockerConfig(environment, () => Promise.resolve({ edit: (config: DockerConfig) => (edits++, ourEdit.edit(config)) }), { swap: swapAfter(save) });
    assert.equal(result, 'done');
    assert.equal(edits, 2, 'the change was not made again');
    assert.ok((JSON.parse(seenMeanwhile) as DockerConfig).auths?.['theirs.example'], 'their entry was missing after the swap');
    assert.deepEqual(Object.keys((await readConfig()).auths ?? {}).sort(), ['first.example', 'ours.example', 'theirs.example']);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['config.json'], 'a temp or lock file was left');
  });

  describe("the user's own docker login for the same registry, landing after the decision and before the write", () => {
    const renewed = { ...ours, secret: 'renewed-refresh-token' };
    const theirsFor = (host: string): string => JSON.stringify({ auths: { [host]: { auth: basic('alice', 'her-password') } } });

    beforeEach(async () => {
      await writeFile(file, JSON.stringify({ auths: { [ours.serverAddress]: { auth: basic(ours.username, ours.secret) } } }), { mode: 0o600 });
    });

    it('a renewal leaves her credential, writes nothing of its own and says it stored nothing', async () => {
      const storedIn = await storeDockerCredential(renewed, environment, ours, { swap: swapAfter(() => theirSave(theirsFor(ours.serverAddress))) });
      assert.equal(storedIn, undefined, 'the renewal said it stored its credential');
      assert.equal((await readConfig()).auths?.[ours.serverAddress]?.auth, basic('alice', 'her-password'));
    });

    it('a log out leaves her credential and says it was kept', async () => {
      const outcome = await eraseDockerCredential(ours, environment, { swap: swapAfter(() => theirSave(theirsFor(ours.serverAddress))) });
      assert.equal(outcome, 'kept');
      assert.equal((await readConfig()).auths?.[ours.serverAddress]?.auth, basic('alice', 'her-password'));
    });

    it('a log out that finds the entry gone meanwhile (her docker logout) says it was absent', async () => {
      const outcome = await eraseDockerCredential(ours, environment, { swap: swapAfter(() => theirSave(JSON.stringify({ auths: {} }))) });
      assert.equal(outcome, 'absent');
      assert.deepEqual((await readConfig()).auths, {});
    });
  });

  it('keeps a config.json another program creates just before ours would: ours is created only while there is none', async () => {
    const theirs = JSON.stringify({ auths: { 'theirs.example': { auth: basic('them', 'their-secret') } } });
    const swap = atomicSwap() ?? assert.fail('no atomic swap');
    let created = false;
    // The swap finds no config.json; theirs appears right after, before ours is linked in.
    const racingSwap: SwapFiles = (first, second) => {
      try {
        swap(first, second);
      } finally {
        if (!created) theirSave(theirs);
        created = true;
      }
    };
    await updateDockerConfig(environment, () => Promise.resolve(ourEdit), { swap: racingSwap });
    assert.deepEqual(Object.keys((await readConfig()).auths ?? {}).sort(), ['ours.example', 'theirs.example']);
    assert.deepEqual(await readdir(dir), ['config.json']);
  });

  it('puts back a config that does not parse when it lands just before the swap, and says what to fix', async () => {
    await writeFile(file, '{}', { mode: 0o600 });
    const broken = '{"auths": {"theirs.example": ';
    await assert.rejects(
      updateDockerConfig(environment, () => Promise.resolve(ourEdit), { swap: swapAfter(() => theirSave(broken)) }),
      (error: unknown) => error instanceof DockerConfigError && /not valid JSON/.test(error.message),
    );
    assert.equal(await readFile(file, 'utf8'), broken);
    assert.deepEqual(await readdir(dir), ['config.json']);
  });

  it('writes nothing over a config that stopped parsing while it was being written', async () => {
    const broken = '{"auths": {"theirs.example": ';
    await assert.rejects(
      updateDockerConfig(environment, async () => {
        await writeFile(file, broken);
        return { edit: (config) => void (config.auths = { 'ours.example': {} }) };
      }),
      (error: unknown) => error instanceof DockerConfigError && /not valid JSON/.test(error.message),
    );
    assert.equal(await readFile(file, 'utf8'), broken);
    assert.deepEqual(await readdir(dir), ['config.json']);
  });

  it('takes over a config.json.lock left by a process that is gone, and removes it after writing', async () => {
    // Above the largest pid Linux hands out: no such process.
    await writeFile(`${file}.lock`, JSON.stringify({ pid: 4_194_305, host: hostname(), since: Date.now(), token: 'crashed' }));
    await storeDockerCredential(ours, environment);
    assert.deepEqual(Object.keys((await readConfig()).auths ?? {}), [ours.serverAddress]);
    assert.deepEqual(await readdir(dir), ['config.json']);
  });

  it('gives up on a lock a running process holds too long, naming the lock, its holder and what to do, and writes nothing', async () => {
    await mkdir(dir, { recursive: true });
    const since = Date.now();
    await writeFile(`${file}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), since, token: 'another window' }));
    const lockTimings = { staleMs: 60_000, timeoutMs: 0, pollMs: 1 };
    await assert.rejects(
      updateDockerConfig(environment, () => Promise.resolve({ edit: () => undefined }), { lockTimings }),
      (error: unknown) => {
        assert.ok(error instanceof DockerConfigError);
        assert.ok(error.message.includes(`${file}.lock has been held by process ${process.pid} since ${new Date(since).toISOString()}`), error.message);
        assert.match(error.message, /delete .*config\.json\.lock and try again/);
        return true;
      },
    );
    assert.deepEqual(await readdir(dir), ['config.json.lock']);
  });

  describe('through a credential helper, under config.json.lock', () => {
    /**
     * A helper backed by one file. While $THEIRS names a file, the first store after ours is theirs: as the user's
     * own `docker login` (which takes no lock) storing right after ACR Access's store, before its read-back.
     */
    const helper = `#!/bin/sh
IFS= read -r input || true
case "$1" in
  store)
    printf '%s' "$input" > "$HELPER_STORE/entry"
    if [ -n "$THEIRS" ] && [ -f "$THEIRS" ]; then cat "$THEIRS" > "$HELPER_STORE/entry"; rm "$THEIRS"; fi ;;
  get) if [ -s "$HELPER_STORE/entry" ]; then cat "$HELPER_STORE/entry"; else echo "credentials not found"; exit 1; fi ;;
  erase) : > "$HELPER_STORE/entry" ;;
esac
`;
    let helperEnvironment: DockerEnvironment;
    let store: string;

    beforeEach(async () => {
      const bin = join(dir, 'bin');
      store = join(dir, 'store');
      await mkdir(bin);
      await mkdir(store);
      await writeFile(join(bin, 'docker-credential-acrtest'), helper, { mode: 0o755 });
      await writeFile(file, JSON.stringify({ credsStore: 'acrtest' }), { mode: 0o600 });
      helperEnvironment = { env: { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH ?? ''}`, HELPER_STORE: store, THEIRS: join(dir, 'theirs.json') } };
    });

    it("reads the helper back after a store: her docker login landing right after ours stays, and the renewal says it stored nothing", async () => {
      const hers = { ServerURL: ours.serverAddress, Username: 'alice', Secret: 'her-password' };
      await writeFile(join(dir, 'theirs.json'), JSON.stringify(hers));
      assert.equal(await storeDockerCredential({ ...ours, secret: 'renewed' }, helperEnvironment, ours), undefined);
      assert.deepEqual(JSON.parse(await readFile(join(store, 'entry'), 'utf8')), hers);
      assert.deepEqual(await readConfig(), { credsStore: 'acrtest' }, 'config.json was written for a credential not stored');
    });

    it('a log out asks the helper right before erasing, and erases only a credential still ours', async () => {
      await writeFile(join(store, 'entry'), JSON.stringify({ ServerURL: ours.serverAddress, Username: 'alice', Secret: 'her-password' }));
      assert.equal(await eraseDockerCredential(ours, helperEnvironment), 'kept');
      assert.notEqual(await readFile(join(store, 'entry'), 'utf8'), '');
      assert.deepEqual(await storeDockerCredential(ours, { ...helperEnvironment, env: { ...helperEnvironment.env, THEIRS: '' } }), { kind: 'helper', program: 'docker-credential-acrtest', file });
      assert.equal(await eraseDockerCredential(ours, helperEnvironment), 'removed');
      assert.equal(await readFile(join(store, 'entry'), 'utf8'), '');
    });
  });
});
