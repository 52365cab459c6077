import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { callerOf } from './emulatorRegistrySupport';
import { clients, useEmulator } from './emulatorSupport';

/**
 * The component fixture starts many times per test run, and most tests use one or two of its registries: a
 * registry's process starts on the first request that needs it, the scale registry's (10,000 repositories) too.
 */
describe('emulator: registries start on first use', () => {
  const emulator = useEmulator();
  const registryDir = (name: string): string => join(emulator().workDir, 'registries', name);

  it('has no registry process until a data-plane request needs one, then answers from it', async () => {
    for (const { name } of emulator().registries) assert.ok(!existsSync(registryDir(name)), `${name} started before anything needed it`);
    const base = `https://${emulator().loginServer('contososcale')}`;
    assert.equal((await fetch(`${base}/v2/`)).status, 401);
    // Signing in needs no registry process either.
    const puller = await callerOf(emulator(), 'contososcale', clients.puller);
    assert.ok(!existsSync(registryDir('contososcale')));

    const response = await fetch(`${base}/acr/v1/_catalog?n=2`, { headers: { authorization: await puller.authorization(['registry:catalog:*']) } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { repositories: ['big/tags', 'svc/app-00001'] });
    assert.ok(existsSync(join(registryDir('contososcale'), 'config.yml')));
  });
});
