import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessTokenGuide, notGranted } from '../../src/acr/accessTokenGuide';
import { accessTokenClaims } from '../../src/acr/jwt';

function jwt(payload: unknown): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('access token document', () => {
  const loginServer = 'contosoapps.azurecr.io';
  const iat = 1_700_000_000;
  const token = jwt({
    iat,
    exp: iat + 75 * 60,
    aud: loginServer,
    grant_type: 'access_token',
    access: [
      { type: 'repository', name: 'team/api', actions: ['pull', 'metadata_read'] },
      { type: 'repository', name: 'hello', actions: [] },
    ],
  });
  const claims = accessTokenClaims(token);
  const input = {
    loginServer,
    requested: { repositories: ['team/api', 'hello'], actions: ['pull', 'push'] },
    claims,
    formatTime: (ms: number) => new Date(ms).toISOString(),
    shell: 'posix' as const,
  };

  it('reads the access claim, expiry, issue time and audience from the token', () => {
    assert.deepEqual(claims, {
      access: [
        { type: 'repository', name: 'team/api', actions: ['pull', 'metadata_read'] },
        { type: 'repository', name: 'hello', actions: [] },
      ],
      expiresOn: (iat + 75 * 60) * 1000,
      issuedAt: iat * 1000,
      audience: loginServer,
      grantType: 'access_token',
    });
  });

  it('shows what the token grants, from its claims, and when it expires', () => {
    const text = accessTokenGuide(input);
    assert.match(text, /\| `team\/api` \| pull, metadata_read \|/);
    assert.match(text, /\| `hello` \| none \|/);
    assert.match(text, /for 75 minutes, until 2023-11-14T23:28:20.000Z/);
  });

  it('calls it an access token, not a refresh token', () => {
    const text = accessTokenGuide(input);
    assert.match(text, /This is an \*\*access token\*\*/);
    assert.match(text, /It is not a refresh token/);
  });

  it('points out requested actions the registry did not grant', () => {
    assert.deepEqual([...notGranted(input)], [
      ['team/api', ['push']],
      ['hello', ['pull', 'push']],
    ]);
    assert.match(accessTokenGuide(input), /Asked for but not granted on `hello`: pull, push/);
  });

  it('says how to use it with curl, docker, oras and helm, the token on stdin, never in the text', () => {
    const text = accessTokenGuide(input);
    assert.ok(text.includes(`curl -H "Authorization: Bearer $ACR_ACCESS_TOKEN" https://${loginServer}/v2/team/api/tags/list`));
    for (const tool of ['docker login', 'oras login', 'helm registry login']) {
      assert.ok(text.includes(`printf '%s' "$ACR_ACCESS_TOKEN" | ${tool} ${loginServer} --username 00000000-0000-0000-0000-000000000000 --password-stdin`), tool);
    }
    assert.ok(!text.includes(token));
    assert.ok(!text.includes(token.split('.')[1]));
  });

  /** The code blocks of a fence language, in order. */
  const blocks = (text: string, language: string): string[] => [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]);

  it("in the user's shell first, the other one's folded below: bash and zsh, or PowerShell", () => {
    for (const shell of ['posix', 'powershell'] as const) {
      const text = accessTokenGuide({ ...input, shell });
      const [first, second] = [text.indexOf('```sh\n'), text.indexOf('```powershell\n')];
      assert.ok(first >= 0 && second >= 0, 'both forms are there');
      assert.ok(shell === 'posix' ? first < second : second < first, `${shell} comes first`);
      const fold = text.indexOf('<details>');
      assert.ok(fold > Math.min(first, second) && fold < Math.max(first, second), "the other shell's form is in the fold");
    }
  });

  it('PowerShell: the token read with Read-Host into $env:, curl.exe (curl is Invoke-WebRequest there), logins piped', () => {
    const [read, calls, logins] = blocks(accessTokenGuide({ ...input, shell: 'powershell' }), 'powershell');
    assert.equal(read, "$env:ACR_ACCESS_TOKEN = [Net.NetworkCredential]::new('', (Read-Host -AsSecureString)).Password\n");
    assert.equal(calls.split('\n')[0], `curl.exe -H "Authorization: Bearer $env:ACR_ACCESS_TOKEN" https://${loginServer}/v2/`);
    for (const tool of ['docker login', 'oras login', 'helm registry login']) {
      assert.ok(logins.includes(`$env:ACR_ACCESS_TOKEN | ${tool} ${loginServer} --username 00000000-0000-0000-0000-000000000000 --password-stdin`), tool);
    }
    for (const block of [read, calls, logins]) assert.doesNotMatch(block, /printf|read -rs|"\$ACR/, 'no POSIX shell syntax');
  });

  it('every bash block parses (bash -n)', () => {
    for (const block of blocks(accessTokenGuide(input), 'sh')) {
      const check = spawnSync('bash', ['-n'], { input: block, encoding: 'utf8' });
      assert.equal(check.status, 0, `${block}\n${check.stderr}`);
    }
  });

  it('says plainly when nothing was granted', () => {
    const none = accessTokenClaims(jwt({ iat, exp: iat + 60, access: [] }));
    assert.match(accessTokenGuide({ ...input, claims: none }), /\*\*Nothing\.\*\*/);
  });
});
