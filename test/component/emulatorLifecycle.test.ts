import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '../world/emulator';

const run = promisify(execFile);

const fixture = {
  tenants: [{ id: '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001', displayName: 'Contoso', defaultDomain: 'contoso.example' }],
  identities: [],
  subscriptions: [{ id: '5eb50000-0000-4000-8000-000000000001', displayName: 'Dev', tenant: '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001' }],
  registries: ['lifecycleone', 'lifecycletwo'].map((name) => ({
    name,
    subscription: '5eb50000-0000-4000-8000-000000000001',
    resourceGroup: 'rg',
    location: 'eastus',
    sku: 'Basic',
    adminUserEnabled: true,
    repositories: { hello: ['v1'] },
  })),
};

/** Processes whose command line mentions the given directory (the registries of one emulator run). */
async function processesUsing(dir: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(dir));
}

/** A request only the registry's own process answers: the emulator passes any bearer token on to it, and it refuses this one. */
async function askRegistryProcess(loginServer: string): Promise<number> {
  return (await fetch(`https://${loginServer}/v2/_catalog`, { headers: { authorization: 'Bearer not-a-token' } })).status;
}

async function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
}

describe('emulator: start and stop', () => {
  let fixtureDir: string;

  before(async () => {
    fixtureDir = await mkdtemp(join(tmpdir(), 'acr-lifecycle-'));
    await writeFile(join(fixtureDir, 'fixture.json'), JSON.stringify(fixture));
  });

  after(async () => {
    if (fixtureDir) await rm(fixtureDir, { recursive: true, force: true });
  });

  it('leaves no process, port or temp dir behind, ten times in a row', async () => {
    for (let round = 1; round <= 10; round++) {
      const emulator = await startEmulator({ fixture: join(fixtureDir, 'fixture.json') });
      const endpoints = [`https://${emulator.loginServer('lifecycleone')}/v2/`, `https://${emulator.loginServer('lifecycletwo')}/v2/`, emulator.entra.authorityHost, emulator.arm.endpoint, emulator.imds.endpoint, emulator.control];
      assert.equal((await fetch(endpoints[0])).status, 401);
      // A registry's process starts on the first request that needs it.
      for (const name of ['lifecycleone', 'lifecycletwo']) assert.equal(await askRegistryProcess(emulator.loginServer(name)), 401);
      assert.equal((await processesUsing(emulator.workDir)).length, 2, 'one docker-registry per registry');
      await emulator.stop();
      for (const url of endpoints) assert.equal(await answers(url), false, `${url} still answers after stop (round ${round})`);
      assert.deepEqual(await processesUsing(emulator.workDir), [], `processes left after round ${round}`);
      assert.equal(existsSync(emulator.workDir), false, `${emulator.workDir} left after round ${round}`);
    }
  });
});
