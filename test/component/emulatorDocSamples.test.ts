import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acrScope, clients, contoso, entraToken, useEmulator } from './emulatorSupport';

const samples = join(__dirname, 'samples');

/**
 * The bash + curl + jq flows of Azure/acr docs/AAD-OAuth.md, written again in test/component/samples with
 * only the names and tokens to fill in, run with the real curl and jq against the emulator.
 */
describe('emulator: the AAD-OAuth.md sample scripts work with only names and tokens filled in', () => {
  const emulator = useEmulator();
  let registry: string;

  /** Runs a sample with its inputs in the environment (never in argv); fails with its stderr. */
  async function runSample(script: string, inputs: Record<string, string>): Promise<string> {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_EXTRA_CA_CERTS: emulator().caPath, ...inputs };
    try {
      const { stdout } = await promisify(execFile)('bash', [join(samples, script)], { env, timeout: 60_000 });
      for (const [name, value] of Object.entries(inputs)) if (/token|password/.test(name)) assert.ok(!stdout.includes(value), `${script} printed its ${name}`);
      return stdout;
    } catch (error) {
      const failure = error as Error & { stdout?: string; stderr?: string };
      throw new Error(`${script} failed: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`);
    }
  }

  /** The line after a heading the script printed. */
  function lineAfter(output: string, heading: string): string {
    const lines = output.split('\n');
    const index = lines.indexOf(heading);
    assert.ok(index >= 0, `no "${heading}" in:\n${output}`);
    return lines[index + 1].trimEnd();
  }

  before(() => {
    registry = emulator().loginServer('contosoapps');
  });

  it('lists the catalog from an AAD access token: exchange with tenant, scope from the challenge, token, /v2/_catalog', async () => {
    const aadAccessToken = await entraToken(emulator(), clients.puller, acrScope);
    const output = await runSample('catalog-with-aad-token.sh', { registry, tenant: contoso, aad_access_token: aadAccessToken });
    assert.equal(lineAfter(output, 'Challenge'), `< Www-Authenticate: Bearer realm="https://${registry}/oauth2/token",service="${registry}",scope="registry:catalog:*"`);
    assert.equal(lineAfter(output, 'Scope'), 'registry:catalog:*');
    assert.deepEqual(JSON.parse(lineAfter(output, 'Catalog')), { repositories: ['hello', 'team/api', 'team/web'] });
  });

  it('pages the tags of one repository with a repository:<repo>:pull token that cannot list the catalog', async () => {
    const aadAccessToken = await entraToken(emulator(), clients.puller, acrScope);
    const output = await runSample('tags-with-repository-scope.sh', { registry, aad_access_token: aadAccessToken, image: 'team/api', limit: '1' });
    const pages = output
      .split('\n')
      .filter((_line, index, lines) => lines[index - 1] === 'Tags')
      .map((line) => JSON.parse(line) as unknown);
    assert.deepEqual(pages, [
      { name: 'team/api', tags: ['1.0'] },
      { name: 'team/api', tags: ['1.1'] },
    ]);
    assert.equal(lineAfter(output, 'Catalog status'), '401');
  });

  it('lists the catalog with a service principal over Basic auth, directly and through GET /oauth2/token', async () => {
    const output = await runSample('catalog-with-basic-auth.sh', { registry, user: clients.puller.clientId, password: clients.puller.secret });
    const repositories = { repositories: ['hello', 'team/api', 'team/web'] };
    assert.deepEqual(JSON.parse(lineAfter(output, 'Catalog with Basic auth')), repositories);
    assert.equal(lineAfter(output, 'Scope'), 'registry:catalog:*');
    assert.deepEqual(JSON.parse(lineAfter(output, 'Catalog with Bearer auth')), repositories);
  });
});
