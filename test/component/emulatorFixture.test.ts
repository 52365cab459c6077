import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixtureError, validateFixture } from '../emulator/fixture';
import { armScope, basic, entraToken, useEmulator } from './emulatorSupport';

const minimal = {
  tenants: [{ id: '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001', displayName: 'Contoso', defaultDomain: 'contoso.example' }],
  identities: [],
  subscriptions: [{ id: '5eb50000-0000-4000-8000-000000000001', displayName: 'Dev', tenant: '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001' }],
  registries: [],
};

describe('emulator: the fixture', () => {
  it('lists every problem with its path', () => {
    const broken = {
      ...minimal,
      identities: [{ name: 'ci', kind: 'robot', objectId: 'nope', displayName: 'CI', tenants: ['elsewhere'] }],
      registries: [
        {
          name: 'ab',
          subscription: 'missing',
          resourceGroup: 'rg',
          location: 'eastus',
          sku: 'Premium',
          adminUserEnabled: 'yes',
          roles: [{ identity: 'ghost', role: 'AcrPull' }, { identity: 'ci', role: 'Container Registry Repository Reader' }],
          repositories: { 'Bad Name': ['v1'] },
          tokens: [{ name: 't', scopeMap: 'none' }],
        },
      ],
      lifetimes: { acrAccessSeconds: 0, forever: 1 },
    };
    assert.throws(
      () => validateFixture(broken, 'broken.json'),
      (error: FixtureError) => {
        const expected = [
          'identities[0].kind: must be one of',
          'identities[0].objectId: must be a lower-case GUID',
          'identities[0].tenants[0]: "elsewhere" is not a tenant defined in this fixture',
          'registries[0].name: "ab" must be 5-50 letters and digits',
          'registries[0].subscription: "missing" is not a subscription defined in this fixture',
          'registries[0].adminUserEnabled: must be true or false',
          'registries[0].roles[0].identity: "ghost" is not an identity defined in this fixture',
          'registries[0].roles[1].role: repository roles apply only to registries with "abac": true',
          'registries[0].repositories: "Bad Name" is not a valid repository name',
          'registries[0].tokens[0].scopeMap: "none" is not a scope map of this registry defined in this fixture',
          'lifetimes.acrAccessSeconds: must be a positive number of seconds',
          'lifetimes.forever: unknown lifetime',
        ];
        for (const problem of expected) assert.ok(error.problems.some((line) => line.startsWith(problem)), `missing: ${problem}\n${error.message}`);
        assert.match(error.message, /^The fixture broken.json is not valid:/);
        return true;
      },
    );
  });

  it('makes the CLI exit with the problems, and start nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acr-fixture-test-'));
    try {
      const file = join(dir, 'bad.json');
      await writeFile(file, JSON.stringify({ ...minimal, tenants: 'none' }));
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(__dirname, '..', 'emulator'), '--fixture', file], (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }));
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /tenants: must be a list/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('the default demo fixture', () => {
    const emulator = useEmulator(join(__dirname, '..', 'emulator', 'defaultFixture.json'));

    it('has two tenants, three subscriptions and several registries, one ABAC and one without ARM-audience tokens', async () => {
      assert.equal(emulator().tenants.length, 2);
      assert.equal(emulator().subscriptions.length, 3);
      assert.ok(emulator().registries.length >= 4);
      const fixture = validateFixture((await import('../emulator/defaultFixture.json')).default);
      assert.ok(fixture.registries.some((registry) => registry.abac));
      assert.ok(fixture.registries.some((registry) => registry.armAudienceTokens === false));
      const repositories = fixture.registries.reduce((sum, registry) => sum + Object.keys(registry.repositories ?? {}).length, 0);
      assert.ok(repositories >= 24, `${repositories} repositories`);
    });

    it('serves the seeded repositories of each registry from its real registry', async () => {
      const response = await fetch(`https://${emulator().loginServer('contosodev')}/oauth2/token?service=${emulator().loginServer('contosodev')}&scope=repository:sandbox/hello-world:pull`, {
        headers: { authorization: basic('ci-unknown', 'x') },
      });
      assert.equal(response.status, 401);
      const armToken = await entraToken(emulator(), { clientId: 'c11ec0de-0000-4000-8000-000000000003', secret: 'demo-ci-secret' }, armScope, emulator().tenants[0].id);
      const credentials = await fetch(
        `${emulator().arm.endpoint}/subscriptions/5eb5c0de-0000-4000-8000-000000000002/resourceGroups/dev-rg/providers/Microsoft.ContainerRegistry/registries/contosodev/listCredentials?api-version=2025-11-01`,
        { method: 'POST', headers: { authorization: `Bearer ${armToken}` } },
      );
      const admin = (await credentials.json()) as { username: string; passwords: Array<{ value: string }> };
      const tags = await fetch(`https://${emulator().loginServer('contosodev')}/v2/sandbox/hello-world/tags/list`, {
        headers: { authorization: basic(admin.username, admin.passwords[0].value) },
      });
      assert.equal(tags.status, 200);
      assert.deepEqual(((await tags.json()) as { tags: string[] }).tags.sort(), ['latest', 'v1', 'v2']);
    });
  });
});
