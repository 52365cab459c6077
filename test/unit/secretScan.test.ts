import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactsFolder, dockerConfigArtifact, issuedSecretsFile } from '../emulator/secretRecord';
import { scanForSecrets } from '../secretScan';

describe('secret scan: every issued secret looked for in what the run left', () => {
  let dir: string;
  const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.${'s1gnature_-'.repeat(4)}`;
  const refreshToken = 'Zq3xW9vB7nT2kL5pR8mY4cH6';
  const password = 'hello-token-password';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-secret-scan-'));
    await mkdir(join(dir, artifactsFolder, 'code-server-1', 'logs'), { recursive: true });
    await writeFile(join(dir, issuedSecretsFile), `${jwt}\n${refreshToken}\n${password}\n`);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds a token, a refresh token and a password wherever they were written, naming the file and line, never the secret', async () => {
    await writeFile(join(dir, artifactsFolder, 'unit-output.txt'), `all fine\nrenewed with ${jwt} oops\n`);
    await writeFile(join(dir, artifactsFolder, 'code-server-1', 'logs', 'ACR Access.log'), `refresh=${refreshToken}\n`);
    await writeFile(join(dir, artifactsFolder, 'telemetry-1.jsonl'), `{"message":"login failed for ${password}"}\n`);
    const { secrets, hits } = await scanForSecrets(dir);
    assert.equal(secrets, 3);
    assert.deepEqual(
      hits.map(({ file, line, kind }) => [file.split('/').pop(), line, kind]).sort(),
      [
        ['ACR Access.log', 1, 'a refresh token, code or password'],
        ['telemetry-1.jsonl', 1, 'a refresh token, code or password'],
        ['unit-output.txt', 2, 'a token (JWT)'],
      ],
    );
    assert.ok(hits.every((hit) => !JSON.stringify(hit).includes(refreshToken) && !JSON.stringify(hit).includes(password)));
  });

  it('finds a token by its signature alone, as a log line cut before the end would still leak it', async () => {
    await writeFile(join(dir, artifactsFolder, 'e2e-output.txt'), `signature ${jwt.split('.')[2]}\n`);
    assert.equal((await scanForSecrets(dir)).hits.length, 1);
  });

  it('leaves out the credential entries of a docker config.json, but not a secret elsewhere in it', async () => {
    const config = { auths: { '127.0.0.1:5000': { auth: refreshToken }, '127.0.0.1:5001': { identitytoken: jwt } }, credsStore: password };
    await writeFile(join(dir, artifactsFolder, 'code-server-1', dockerConfigArtifact), JSON.stringify(config));
    assert.deepEqual(
      (await scanForSecrets(dir)).hits.map((hit) => hit.kind),
      ['a refresh token, code or password'],
    );
  });

  it('counts no hit when nothing leaked', async () => {
    await writeFile(join(dir, artifactsFolder, 'unit-output.txt'), 'eyJhbGciOiJSUzI1NiJ9 is only a header\n');
    assert.deepEqual((await scanForSecrets(dir)).hits, []);
  });
});
