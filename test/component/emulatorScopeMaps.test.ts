import assert from 'node:assert/strict';
import { armScope, clients, devSubscription, entraToken, useEmulator } from './emulatorSupport';

describe('emulator: ACR rules for scope maps and tokens in ARM (docs/protocol.md section 9)', () => {
  const emulator = useEmulator();
  let armToken: string;

  const registryUrl = (registry: string, rest: string): string =>
    `${emulator().arm.endpoint}/subscriptions/${devSubscription}/resourceGroups/apps-rg/providers/Microsoft.ContainerRegistry/registries/${registry}/${rest}?api-version=2025-11-01`;

  const put = async (registry: string, rest: string, properties: Record<string, unknown>): Promise<{ status: number; code?: string; message?: string }> => {
    const response = await fetch(registryUrl(registry, rest), {
      method: 'PUT',
      headers: { authorization: `Bearer ${armToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties }),
    });
    const body = (await response.json()) as { error?: { code: string; message: string } };
    return { status: response.status, code: body.error?.code, message: body.error?.message };
  };

  const scopeMapId = (registry: string, name: string): string =>
    `/subscriptions/${devSubscription}/resourceGroups/apps-rg/providers/Microsoft.ContainerRegistry/registries/${registry}/scopeMaps/${name}`;

  before(async () => {
    armToken = await entraToken(emulator(), clients.owner, armScope);
  });

  it('accepts a wildcard only as one trailing /* or * alone', async () => {
    for (const repository of ['*', 'team/*', 'team/api']) {
      assert.ok([200, 201].includes((await put('contosoapps', `scopeMaps/wild-${repository.replace(/\W/g, 'x')}`, { actions: [`repositories/${repository}/content/read`] })).status), repository);
    }
    for (const repository of ['team*', 'team/*/api', '*/api', 'team/**', 'Team/api']) {
      const refused = await put('contosoapps', 'scopeMaps/wildbad', { actions: [`repositories/${repository}/content/read`] });
      assert.equal(refused.status, 400, repository);
      assert.equal(refused.code, 'InvalidScopeMapActions');
    }
  });

  it('refuses unknown actions, an empty list, and more than 500 actions or repositories', async () => {
    assert.equal((await put('contosoapps', 'scopeMaps/badaction', { actions: ['repositories/hello/content/pull'] })).status, 400);
    assert.equal((await put('contosoapps', 'scopeMaps/badaction', { actions: [] })).status, 400);
    const repositories = Array.from({ length: 501 }, (_, i) => `repositories/repo${i}/content/read`);
    const tooMany = await put('contosoapps', 'scopeMaps/toomany', { actions: repositories });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.message ?? '', /at most 500 actions on 500 repositories/);
    assert.ok([200, 201].includes((await put('contosoapps', 'scopeMaps/justenough', { actions: repositories.slice(0, 500) })).status));
  });

  it('refuses token and scope-map names outside ARM\'s rules', async () => {
    assert.equal((await put('contosoapps', 'scopeMaps/abc', { actions: ['repositories/hello/content/read'] })).code, 'InvalidResourceName');
    assert.equal((await put('contosoapps', 'scopeMaps/has.dot', { actions: ['repositories/hello/content/read'] })).code, 'InvalidResourceName');
    assert.equal((await put('contosoapps', 'tokens/with_underscore', { scopeMapId: scopeMapId('contosoapps', 'hello-pull') })).code, 'InvalidResourceName');
    assert.equal((await put('contosoapps', 'tokens/tok', { scopeMapId: scopeMapId('contosoapps', 'hello-pull') })).code, 'InvalidResourceName');
  });

  it('refuses changes to the built-in _repositories_ maps, which every registry has', async () => {
    const refused = await put('contosonoarm', 'scopeMaps/_repositories_pull', { actions: ['repositories/hello/content/write'] });
    assert.equal(refused.code, 'ScopeMapIsSystemDefined');
    const list = (await (await fetch(registryUrl('contosonoarm', 'scopeMaps'), { headers: { authorization: `Bearer ${armToken}` } })).json()) as { value: Array<{ name: string; properties: { type: string } }> };
    assert.deepEqual(
      list.value.map((map) => [map.name, map.properties.type]),
      [
        ['_repositories_admin', 'SystemDefined'],
        ['_repositories_pull', 'SystemDefined'],
        ['_repositories_push', 'SystemDefined'],
      ],
    );
  });

  it('holds a Basic registry to 100 scope maps and 100 tokens', async () => {
    for (let i = 0; i < 100; i++) assert.equal((await put('contosonoarm', `scopeMaps/map-${i}`, { actions: ['repositories/hello/content/read'] })).status, 201, `map ${i}`);
    const oneMore = await put('contosonoarm', 'scopeMaps/map-100', { actions: ['repositories/hello/content/read'] });
    assert.equal(oneMore.code, 'QuotaExceeded');
    assert.match(oneMore.message ?? '', /100 scope maps, the most its Basic SKU allows/);
    // Changing one that exists is still allowed.
    assert.equal((await put('contosonoarm', 'scopeMaps/map-0', { actions: ['repositories/hello/metadata/read'] })).status, 200);

    for (let i = 0; i < 100; i++) assert.equal((await put('contosonoarm', `tokens/token-${i}`, { scopeMapId: scopeMapId('contosonoarm', '_repositories_pull') })).status, 201, `token ${i}`);
    const oneMoreToken = await put('contosonoarm', 'tokens/token-100', { scopeMapId: scopeMapId('contosonoarm', '_repositories_pull') });
    assert.equal(oneMoreToken.code, 'QuotaExceeded');
    assert.match(oneMoreToken.message ?? '', /100 tokens/);
  });

  it('lets a Standard registry go past 100 scope maps', async () => {
    for (let i = 0; i < 101; i++) assert.equal((await put('contosoabac', `scopeMaps/map-${i}`, { actions: ['repositories/hello/content/read'] })).status, 201, `map ${i}`);
  });
});
