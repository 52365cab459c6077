// Single-flight: 200 callers at once asking one token client for the same registry's refresh token and access
// tokens, counted in the emulator's request log; against 200 callers each with a client of its own.
import type { TokenCredential } from '@azure/core-auth';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { BenchWorld, lastSeq, requestsSince, tokenAtHand, tokenClient } from './benchWorld';
import { measured, single, timed } from './measure';
import { limitRow, Row } from './report';

const callers = 200;
const repetitions = 5;

interface Counts {
  challenges: number;
  exchanges: number;
  tokenRequests: number;
  ms: number;
}

/** 200 callers, each asking for the refresh token and then an access token for its scope, all at once. */
async function callersAtOnce(world: BenchWorld, clientFor: (caller: number) => AcrTokenClient, scopeOf: (caller: number) => string): Promise<Counts> {
  const { emulator } = world;
  const registry = 'contosoapps';
  const target = { loginServer: emulator.loginServer(registry) };
  const since = await lastSeq(emulator);
  const ms = await timed(() =>
    Promise.all(
      Array.from({ length: callers }, async (_, caller) => {
        const client = clientFor(caller);
        await Promise.all([client.refreshToken(target), client.accessToken(target, [scopeOf(caller)])]);
      }),
    ),
  );
  const requests = await requestsSince(emulator, registry, since);
  const count = (path: string) => requests.filter((entry) => entry.path === path).length;
  return { challenges: count('/v2/'), exchanges: count('/oauth2/exchange'), tokenRequests: count('/oauth2/token'), ms };
}

async function repeated(world: BenchWorld, credential: TokenCredential, scopeOf: (caller: number) => string): Promise<Counts[]> {
  const runs: Counts[] = [];
  for (let run = 0; run < repetitions; run++) {
    // One client, as the extension has one per account and tenant; a fresh one, so nothing is cached yet.
    const client = tokenClient(world, credential);
    runs.push(await callersAtOnce(world, () => client, scopeOf));
  }
  return runs;
}

export async function singleFlightBench(world: BenchWorld): Promise<Row[]> {
  const credential = await tokenAtHand(world.emulator);
  const oneScope = () => 'repository:hello:pull';
  const twentyScopes = (caller: number) => `repository:bench/repo-${caller % 20}:pull`;
  const shared = await repeated(world, credential, oneScope);
  const spread = await repeated(world, credential, twentyScopes);
  const unshared = await callersAtOnce(world, () => tokenClient(world, credential), oneScope);

  const most = (runs: Counts[], field: keyof Counts) => Math.max(...runs.map((run) => run[field]));
  const note = `the most in ${repetitions} runs, each with a fresh client; challenges (GET /v2/): ${most(shared, 'challenges')} and ${most(spread, 'challenges')}`;
  const bench = 'single-flight';
  return [
    limitRow(bench, `exchanges, ${callers} callers, one scope`, single(most(shared, 'exchanges'), ''), 1, '= 1', note, { name: 'a client per caller', ...single(unshared.exchanges, '') }),
    limitRow(bench, `token requests, ${callers} callers, one scope`, single(most(shared, 'tokenRequests'), ''), 1, '= 1', undefined, { name: 'a client per caller', ...single(unshared.tokenRequests, '') }),
    limitRow(bench, `exchanges, ${callers} callers, 20 scopes`, single(most(spread, 'exchanges'), ''), 1, '= 1'),
    limitRow(bench, `token requests, ${callers} callers, 20 scopes`, single(most(spread, 'tokenRequests'), ''), 20, '= 20 (one per scope)'),
    limitRow(bench, `time for ${callers} callers, one scope`, measured(shared.map((run) => run.ms), 'ms'), undefined, '-', undefined, { name: 'a client per caller', ...single(unshared.ms, 'ms') }),
  ];
}
