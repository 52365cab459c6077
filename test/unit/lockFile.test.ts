import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockFs, lockFile, lockHolder, tryLockFile } from '../../src/docker/lockFile';
import { eventually } from '../world/eventually';

describe('lock files: one holder at a time, across processes, with stale locks taken over', () => {
  let dir: string;
  let path: string;
  let clock: number;
  const options = { staleMs: 30_000, now: () => clock, isRunning: () => true };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-lock-file-'));
    path = join(dir, 'config.json.lock');
    clock = 1_700_000_000_000;
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A lock left by another process, as its holder wrote it. */
  const heldBy = (holder: { pid: number; host?: string; since: number; token?: string }): Promise<void> =>
    writeFile(path, JSON.stringify({ host: hostname(), token: 'theirs', ...holder }), { mode: 0o600 });

  it('takes a free lock, writes who holds it (mode 0600), refuses a second taker, and frees it on release', async () => {
    const release = await tryLockFile(path, options);
    assert.ok(release);
    const holder = await lockHolder(path);
    assert.deepEqual({ pid: holder?.pid, host: holder?.host, since: holder?.since }, { pid: process.pid, host: hostname(), since: clock });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await tryLockFile(path, options), undefined, 'a second taker got a held lock');
    await release();
    assert.deepEqual(await readdir(dir), []);
    assert.ok(await tryLockFile(path, options), 'not free after release');
  });

  it('of many takers at once, exactly one gets it', async () => {
    const takers = await Promise.all(Array.from({ length: 20 }, () => tryLockFile(path, options)));
    assert.equal(takers.filter(Boolean).length, 1);
  });

  it('takes over a lock whose holder on this machine is no longer running', async () => {
    await heldBy({ pid: 4_000_000, since: clock });
    const release = await tryLockFile(path, { ...options, isRunning: (pid) => pid !== 4_000_000 });
    assert.ok(release, 'a dead holder kept the lock');
    assert.equal((await lockHolder(path))?.pid, process.pid);
    await release();
    assert.deepEqual(await readdir(dir), []);
  });

  it('asks the operating system whether the holder runs when not told', async () => {
    // Above the largest pid Linux hands out: no such process.
    await heldBy({ pid: 4_194_305, since: clock });
    assert.ok(await tryLockFile(path, { staleMs: 30_000, now: () => clock }), 'a dead holder kept the lock');
    await rm(path);
    await heldBy({ pid: process.pid, since: clock, token: 'an earlier lock of this process' });
    assert.equal(await tryLockFile(path, { staleMs: 30_000, now: () => clock }), undefined, 'a running holder lost the lock');
  });

  it('leaves a running holder its lock until it is staleMs old, then takes it over', async () => {
    await heldBy({ pid: 1234, since: clock });
    clock += options.staleMs - 1;
    assert.equal(await tryLockFile(path, options), undefined);
    clock += 1;
    assert.ok(await tryLockFile(path, options), 'an old lock was not taken over');
  });

  it('judges a holder on another machine by age alone', async () => {
    await heldBy({ pid: 1234, host: `not-${hostname()}`, since: clock });
    assert.equal(await tryLockFile(path, { ...options, isRunning: () => false }), undefined, 'a pid of another machine was looked up here');
  });

  it('takes over a lock dated far in the future (a clock set back) and an empty one whose holder died before writing it', async () => {
    await heldBy({ pid: 1234, since: clock + 10 * options.staleMs });
    assert.ok(await tryLockFile(path, options), 'a lock from the future was kept');
    await writeFile(path, '');
    const { mtimeMs } = await stat(path);
    clock = mtimeMs + 1000;
    assert.equal(await tryLockFile(path, options), undefined, 'an empty lock just created was taken over');
    clock = mtimeMs + options.staleMs;
    assert.ok(await tryLockFile(path, options), 'an old empty lock was kept');
  });

  it('release leaves a lock that was taken over meanwhile to its new holder', async () => {
    const release = await tryLockFile(path, options);
    assert.ok(release);
    clock += options.staleMs;
    const successor = await tryLockFile(path, options);
    assert.ok(successor, 'not taken over');
    const successorLock = await readFile(path, 'utf8');
    await release();
    assert.equal(await readFile(path, 'utf8'), successorLock);
  });

  it('a lock kept with a heartbeat stays its holder\'s however long it holds it, and is freed by its release', async () => {
    const release = await tryLockFile(path, { ...options, heartbeatMs: 5 });
    assert.ok(release);
    // Held three times as long as staleMs: each beat writes the time, from which staleness counts.
    for (let held = 0; held < 3; held++) {
      clock += options.staleMs;
      await eventually('the holder did not write the time into its lock', async () => (await lockHolder(path))?.since === clock, 5_000, 5);
      assert.equal(await tryLockFile(path, options), undefined, 'taken over while its holder was beating');
    }
    await release();
    assert.deepEqual(await readdir(dir), [], 'the release left the lock its heartbeat had rewritten');
  });

  it('of many takers of one stale lock at once, exactly one gets it', async () => {
    await heldBy({ pid: 1234, since: clock - options.staleMs });
    const takers = await Promise.all(Array.from({ length: 20 }, () => tryLockFile(path, options)));
    assert.equal(takers.filter(Boolean).length, 1);
    assert.deepEqual(await readdir(dir), ['config.json.lock'], 'a moved-aside lock was left behind');
  });

  it('lockFile waits for the holder to let go, and gives up after timeoutMs', async () => {
    const first = await tryLockFile(path, options);
    assert.ok(first);
    const waiting = lockFile(path, { ...options, timeoutMs: 60_000, pollMs: 5 });
    await first();
    assert.ok(await waiting, 'the waiter did not get the lock once free');
    let polls = 0;
    const giveUp = await lockFile(path, { ...options, now: () => clock + 1000 * polls++, timeoutMs: 5000, pollMs: 1 });
    assert.equal(giveUp, undefined);
    assert.ok(polls >= 5 && polls < 10, `polled ${polls} times`);
  });

  describe('on win32, darwin and linux (the platform as an input)', () => {
    /** As Windows answers for a lock file whose holder just removed it while another process still had it open. */
    const deletePendingFs = {
      open: () => Promise.reject(Object.assign(new Error('EPERM: operation not permitted, open'), { code: 'EPERM' })),
      readFile: () => Promise.reject(Object.assign(new Error('EPERM: operation not permitted, open'), { code: 'EPERM' })),
    } as unknown as LockFs;

    it('win32: a lock file still being deleted (EPERM) counts as held for now: no error, taken at a later look', async () => {
      assert.equal(await tryLockFile(path, { ...options, platform: 'win32', fs: deletePendingFs }), undefined);
      assert.equal(await lockHolder(path, { platform: 'win32', fs: deletePendingFs }), undefined);
    });

    for (const platform of ['darwin', 'linux'] as const) {
      it(`${platform}: EPERM on the lock file is a permission problem, and says so`, async () => {
        await assert.rejects(tryLockFile(path, { ...options, platform, fs: deletePendingFs }), { code: 'EPERM' });
      });
    }

    for (const platform of ['win32', 'darwin', 'linux'] as const) {
      it(`${platform}: a lock in a folder with spaces is taken, refused to a second taker and freed`, async () => {
        const spaced = join(dir, 'John Smith', 'Docker Config');
        await mkdir(spaced, { recursive: true });
        const lock = join(spaced, 'config.json.lock');
        const release = await tryLockFile(lock, { ...options, platform });
        assert.ok(release);
        assert.equal(await tryLockFile(lock, { ...options, platform }), undefined);
        await release();
        assert.deepEqual(await readdir(spaced), []);
      });
    }
  });
});
