import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acrScope, basic, clients, entraToken, exchange, postForm, refreshToken, useEmulator } from './emulatorSupport';

/** One exchange a real registry answered, as committed under test/emulator/recordings (each file names its source). */
interface RecordedExchange {
  recorded: string;
  /** What to ask the emulator: `{repository}`, `{tag}`, `{listDigest}` and `{imageDigest}` stand for the fixture's multi-platform image. */
  replay: string;
  auth?: 'none' | 'bearer';
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const recordingsDir = join(__dirname, '..', 'emulator', 'recordings');
const recordings = readdirSync(recordingsDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, ...(JSON.parse(readFileSync(join(recordingsDir, file), 'utf8')) as { source: string; exchanges: RecordedExchange[] }) }));

/** Keys and value types, recursively; a list by the distinct shapes of its items. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return [...new Set(value.map((item) => JSON.stringify(shapeOf(item))))].sort();
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, item]) => [key, shapeOf(item)]));
  return typeof value;
}

/** `Bearer realm=...,service=...,scope=...` as its scheme and parameter names, and whether the realm is the service's /oauth2/token. */
function challengeShape(header: string | null | undefined): unknown {
  if (!header) return undefined;
  const [scheme] = header.split(' ', 1);
  const params = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, value]));
  return { scheme, params: Object.keys(params).sort(), realmIsServiceTokenEndpoint: params.realm === `https://${params.service}/oauth2/token` };
}

function bodyOf(text: string, contentType: string | null): unknown {
  return contentType?.startsWith('application/json') ? JSON.parse(text) : text;
}

describe('emulator: answers in the shapes real ACR gave the Azure SDKs (test/emulator/recordings)', function () {
  const emulator = useEmulator();
  const multiPlatform = { registry: 'fabrikamtools', repository: 'multi/platform', tag: '1.0' };
  const apps = () => emulator().loginServer('contosoapps');
  const tools = () => emulator().loginServer(multiPlatform.registry);
  let bearer: string;
  let entraAccessToken: string;
  const placeholders: Record<string, string> = { repository: encodeURIComponent(multiPlatform.repository), tag: multiPlatform.tag };

  before(async () => {
    // A repository-scoped token of the fixture reads the multi-platform image; the token exchanges are replayed on contosoapps.
    const token = await fetch(`https://${tools()}/oauth2/token?service=${tools()}&scope=repository:${multiPlatform.repository}:metadata_read`, {
      headers: { authorization: basic('multireader', 'multi-reader-password') },
    });
    assert.equal(token.status, 200, await token.clone().text());
    bearer = `Bearer ${((await token.json()) as { access_token: string }).access_token}`;
    entraAccessToken = await entraToken(emulator(), clients.puller, acrScope);
    const manifest = await fetch(`https://${tools()}/acr/v1/${placeholders.repository}/_tags/${multiPlatform.tag}`, { headers: { authorization: bearer } });
    placeholders.listDigest = ((await manifest.json()) as { tag: { digest: string } }).tag.digest;
    const list = await fetch(`https://${tools()}/acr/v1/${placeholders.repository}/_manifests/${placeholders.listDigest}`, { headers: { authorization: bearer } });
    const references = ((await list.json()) as { manifest: { references?: Array<{ digest: string }> } }).manifest.references ?? [];
    placeholders.imageDigest = references[references.length - 1]?.digest ?? 'the list has no references';
  });

  async function replay(recorded: RecordedExchange): Promise<Response> {
    const [method, template] = recorded.replay.split(' ');
    if (template === '/oauth2/exchange') return exchange(apps(), entraAccessToken);
    if (template === '/oauth2/token') {
      const refresh = await refreshToken(apps(), entraAccessToken);
      return postForm(`https://${apps()}/oauth2/token`, { grant_type: 'refresh_token', service: apps(), scope: 'repository:hello:metadata_read', refresh_token: refresh });
    }
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => placeholders[name]);
    return fetch(`https://${tools()}${path}`, { method, headers: recorded.auth === 'bearer' ? { authorization: bearer } : {} });
  }

  for (const recording of recordings) {
    describe(recording.file, () => {
      for (const recorded of recording.exchanges) {
        it(`${recorded.recorded.split('?')[0]} (${recorded.status})`, async () => {
          const response = await replay(recorded);
          const text = await response.text();
          const contentType = response.headers.get('content-type');
          assert.deepEqual(
            {
              status: response.status,
              contentType,
              apiVersion: response.headers.get('docker-distribution-api-version') ?? undefined,
              challenge: challengeShape(response.headers.get('www-authenticate')),
            },
            {
              status: recorded.status,
              contentType: recorded.headers['Content-Type'],
              apiVersion: recorded.headers['Docker-Distribution-Api-Version'],
              challenge: challengeShape(recorded.headers['WWW-Authenticate']),
            },
          );
          assert.deepEqual(shapeOf(bodyOf(text, contentType)), shapeOf(recorded.body));
        });
      }
    });
  }

  // No public recording shows it; issue #22 reports ACR's answer to a repository name that cannot exist.
  it('answers a repository name in upper case with a plain-text 404, no challenge', async () => {
    const response = await fetch(`https://${tools()}/acr/v1/Multi%2FPlatform/_tags/1.0`);
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(response.headers.get('www-authenticate'), null);
    assert.equal(await response.text(), '404 page not found\n');
  });
});
