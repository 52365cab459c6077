// Tree at scale: the first page of a registry of 10,000 repositories and of a repository of 5,000 tags through
// RegistryContent (what the tree asks for when a node is expanded), against fetching the whole list a page of
// 100 at a time as the Azure CLI does (docs/protocol.md section 7); and the memory each leaves held.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Page, RegistryContent } from '../../src/acr/registryContent';
import { BenchWorld, lastSeq, requestsSince, tokenAtHand, tokenClient } from './benchWorld';
import { measured, median, race, single, timed } from './measure';
import { limitRow, ratioRow, Row } from './report';

/** The tree's default page size (acrAccess.tree.pageSize), and the Azure CLI's. */
const pageSize = 100;
const repetitions = 21;
const wholeListRepetitions = 3;

type Listing<T> = (next: string | undefined) => Promise<Page<T>>;

async function everyPage<T>(listing: Listing<T>): Promise<Page<T>[]> {
  const pages = [await listing(undefined)];
  while (pages.at(-1)!.next) pages.push(await listing(pages.at(-1)!.next));
  return pages;
}

/** Data-plane requests (not the challenge or tokens) a registry answered while `run` ran. */
async function dataPlaneRequests(world: BenchWorld, registry: string, run: () => Promise<unknown>): Promise<number> {
  const since = await lastSeq(world.emulator);
  await run();
  return (await requestsSince(world.emulator, registry, since)).filter((entry) => /^\/(acr\/v1|v2)\/./.test(entry.path)).length;
}

interface Held {
  readonly bytes: number;
  readonly names: number;
}

/** What the tree's listing of `registry` holds after one page or all of them (heldByTree.ts, median of three). */
async function held(registry: string, loginServer: string, token: string, which: 'one' | 'all'): Promise<Held> {
  const runs: Held[] = [];
  for (let run = 0; run < 3; run++) {
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const child = execFile(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, 'heldByTree.ts'), loginServer, which], (error, out, err) =>
        error ? reject(new Error(`heldByTree.ts ${registry} ${which}: ${err}`)) : resolve({ stdout: out }),
      );
      child.stdin?.end(token);
    });
    runs.push(JSON.parse(stdout) as Held);
  }
  return { bytes: median(runs.map((run) => run.bytes)), names: runs[0].names };
}

export async function treeBench(world: BenchWorld): Promise<Row[]> {
  const { emulator } = world;
  const client = tokenClient(world, await tokenAtHand(emulator));
  const content = (registry: string) => {
    const loginServer = emulator.loginServer(registry);
    return new RegistryContent({ loginServer, accessToken: async (scopes, signal) => (await client.accessToken({ loginServer }, scopes, { signal })).token });
  };
  const scale = content('benchscale');
  const hundred = content('benchhundred');
  const repositories = (registry: RegistryContent): Listing<string> => (next) => registry.repositories({ pageSize, next });
  const tags: Listing<unknown> = (next) => scale.tags('big/tags', { pageSize, next });
  // Tokens cached and the emulator's index of each registry built, as after the first expansion in a session;
  // and the world checked, since a listing cut short would flatter every number below.
  for (const [listing, expected] of [
    // svc/app-00001..svc/app-10000, and big/tags.
    [repositories(scale), 10_001],
    [repositories(hundred), 100],
    [tags, 5000],
  ] as const) {
    const found = (await everyPage<unknown>(listing)).flatMap((page) => page.items).length;
    if (found !== expected) throw new Error(`the emulator lists ${found} items where the bench fixture has ${expected}`);
  }

  const firstPages = await race(
    [
      { name: '100', run: () => repositories(hundred)(undefined) },
      { name: '10,000', run: () => repositories(scale)(undefined) },
      { name: 'tags', run: () => tags(undefined) },
    ],
    repetitions,
  );
  const wholeRepositories: number[] = [];
  const wholeTags: number[] = [];
  for (let run = 0; run < wholeListRepetitions; run++) {
    wholeRepositories.push(await timed(() => everyPage(repositories(scale))));
    wholeTags.push(await timed(() => everyPage(tags)));
  }

  const requests = {
    firstOf100: await dataPlaneRequests(world, 'benchhundred', () => repositories(hundred)(undefined)),
    firstOf10000: await dataPlaneRequests(world, 'benchscale', () => repositories(scale)(undefined)),
    allOf10000: await dataPlaneRequests(world, 'benchscale', () => everyPage(repositories(scale))),
    firstTags: await dataPlaneRequests(world, 'benchscale', () => tags(undefined)),
    allTags: await dataPlaneRequests(world, 'benchscale', () => everyPage(tags)),
  };
  const catalogToken = (await client.accessToken({ loginServer: emulator.loginServer('benchscale') }, ['registry:catalog:*'])).token;
  const onePage = await held('benchscale', emulator.loginServer('benchscale'), catalogToken, 'one');
  const allPages = await held('benchscale', emulator.loginServer('benchscale'), catalogToken, 'all');

  const bench = 'tree at scale';
  const firstOf10000 = measured(firstPages.get('10,000')!, 'ms');
  const whole = { name: 'all 100 pages', ...measured(wholeRepositories, 'ms') };
  const wholeNote = `${wholeListRepetitions} runs of the whole list`;
  return [
    limitRow(bench, 'data-plane requests to the first page, 10,000 repositories', single(requests.firstOf10000, ''), 1, '= 1', undefined, { name: 'whole list', ...single(requests.allOf10000, '') }),
    limitRow(bench, 'data-plane requests to the first page, 100 repositories', single(requests.firstOf100, ''), 1, '= 1'),
    limitRow(bench, 'data-plane requests to the first page, 5,000 tags', single(requests.firstTags, ''), 1, '= 1', undefined, { name: 'whole list', ...single(requests.allTags, '') }),
    ratioRow(bench, 'time to the first page: 10,000 repositories vs 100', firstOf10000, { name: '100 repositories', ...measured(firstPages.get('100')!, 'ms') }, 1.2),
    ratioRow(bench, 'time to the first page of 10,000 repositories, vs the whole list', firstOf10000, whole, undefined, wholeNote),
    ratioRow(bench, 'time to the first page of 5,000 tags, vs the whole list', measured(firstPages.get('tags')!, 'ms'), { name: 'all 50 pages', ...measured(wholeTags, 'ms') }, undefined, wholeNote),
    ratioRow(bench, `heap held: one page of repositories (${onePage.names} names) vs all`, single(Math.round(onePage.bytes / 1024), 'KiB'), { name: `${allPages.names} names`, ...single(Math.round(allPages.bytes / 1024), 'KiB') }, undefined, 'growth of the heap in use, after full garbage collections, in a fresh process (median of 3)'),
  ];
}
