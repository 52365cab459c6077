// What the benchmarks run against: the emulator (the component fixture plus registries only the benchmarks
// use), the Docker engine DOCKER_HOST points at, and the token client the extension builds.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { HostTrust } from '../../src/acr/loginServer';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { AzureCloud, scopeFor } from '../../src/azure/clouds';
import { emulatorCloud, entraToken } from '../component/emulatorSupport';
import { projectRoot } from '../world/codeServer';
import { RunningEmulator, startEmulator } from '../world/emulator';

export const contoso = '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001';
export const benchSubscription = '5eb50000-0000-4000-8000-0000000000be';
/** The user name that tells Docker its password is an ACR refresh token. */
export const nullGuid = '00000000-0000-0000-0000-000000000000';
/** A service principal of the component fixture with AcrPull on the registries the benchmarks read. */
export const puller = { clientId: 'c11e0000-0000-4000-8000-000000000003', secret: 'puller-secret' };

/** Registries `bench001`.. that alice (VS Code's account in the workbench) and puller can read and pull from. */
export function benchRegistryNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `bench${String(index + 1).padStart(3, '0')}`);
}

/**
 * The component fixture, plus registries of the benchmarks' own: `benchscale` shaped like the fixture's
 * `contososcale` (10,000 repositories `svc/app-00001`.., and `big/tags` with 5,000 tags), `benchhundred` with
 * 100 repositories (the small end of the tree's scale), and `count` empty ones. Their generated content is
 * the benchmarks' own (the tag name), so the storage templates the emulator keeps for it in ~/.cache (shared
 * by every run with the same content) are used by benchmark runs only.
 */
export async function benchFixture(count: number): Promise<object> {
  const fixture = JSON.parse(await readFile(join(projectRoot, 'test/emulator/fixtures/component.json'), 'utf8')) as { subscriptions: object[]; registries: { name: string }[] };
  const readers = [
    { identity: 'alice', role: 'Reader' },
    { identity: 'alice', role: 'AcrPull' },
    { identity: 'puller', role: 'AcrPull' },
  ];
  const registry = (name: string) => ({ name, subscription: benchSubscription, resourceGroup: 'bench-rg', location: 'eastus', sku: 'Basic', adminUserEnabled: false, roles: readers });
  return {
    ...fixture,
    subscriptions: [...fixture.subscriptions, { id: benchSubscription, displayName: 'Contoso Bench', tenant: contoso }],
    registries: [
      // benchscale stands in for it.
      ...fixture.registries.filter((candidate) => candidate.name !== 'contososcale'),
      { ...registry('benchscale'), generatedRepositories: { prefix: 'svc/app-', count: 10_000, tags: ['bench'] }, generatedTags: { repository: 'big/tags', count: 5000 } },
      { ...registry('benchhundred'), generatedRepositories: { prefix: 'svc/app-', count: 100, tags: ['bench'] } },
      ...benchRegistryNames(count).map(registry),
    ],
  };
}

export interface BenchWorld {
  readonly emulator: RunningEmulator;
  readonly cloud: AzureCloud;
  /** Every registry of the emulator is trusted, as ARM listing them makes them. */
  readonly trust: HostTrust;
}

/**
 * The emulator, tried up to three times: on a machine busy enough, one of many docker-registry processes
 * starting at once can miss the emulator's deadline.
 */
export async function startEmulatorPatiently(fixture: object): Promise<RunningEmulator> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmulator({ fixture, timeoutMs: 300_000 });
    } catch (error) {
      if (attempt === 3) throw error;
      console.log(`  the emulator did not start (attempt ${attempt} of 3): ${String(error).split('\n').slice(0, 2).join(' ')}`);
    }
  }
}

export async function startBenchWorld(registryCount: number): Promise<BenchWorld> {
  const emulator = await startEmulatorPatiently(await benchFixture(registryCount));
  const cloud = emulatorCloud(emulator);
  return { emulator, cloud, trust: { cloud, armLoginServers: emulator.registries.map((registry) => registry.loginServer) } };
}

/**
 * A credential over an Entra token already at hand, as VS Code's Microsoft account session gives one: what
 * the extension's exchange costs, without the sign-in before it.
 */
export async function tokenAtHand(emulator: RunningEmulator, client = puller, tenant = contoso): Promise<TokenCredential> {
  const token = await entraToken(emulator, client, scopeFor(emulator.acrAudience), tenant);
  const accessToken: AccessToken = { token, expiresOnTimestamp: Date.now() + 30 * 60_000 };
  return { getToken: () => Promise.resolve(accessToken) };
}

export function tokenClient(world: BenchWorld, credential: TokenCredential): AcrTokenClient {
  return new AcrTokenClient({ credential, trust: world.trust });
}

/** Requests the emulator logged for a registry since `seq`, by path. */
export async function requestsSince(emulator: RunningEmulator, registry: string, seq: number): Promise<{ method: string; path: string }[]> {
  return (await emulator.client.log()).filter((entry) => entry.seq > seq && entry.server === `registry:${registry}`);
}

export async function lastSeq(emulator: RunningEmulator): Promise<number> {
  return Math.max(0, ...(await emulator.client.log()).map((entry) => entry.seq));
}
