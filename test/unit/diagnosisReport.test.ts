import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CheckResult } from '../../src/diagnosis/diagnosis';
import { diagnosisMarkdown } from '../../src/diagnosis/report';

/** A JWT-shaped token, a client secret and a random password, as a server's words might carry them. */
const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'x', exp: 2_000_000_000 })).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
const clientSecret = `abc8Q~${randomBytes(24).toString('base64url').slice(0, 32)}`;
const password = randomBytes(24).toString('base64');

describe('diagnosis report: Markdown for a support ticket (issue #20)', () => {
  const at = Date.UTC(2026, 11, 5, 7, 0, 0);
  const results: CheckResult[] = [
    { id: 'name', startedAt: at, durationMs: 1, outcome: { status: 'passed', seen: `contosoapps.azurecr.io is listed (token ${jwt})` } },
    { id: 'roles', startedAt: at + 10, durationMs: 2, outcome: { status: 'skipped', reason: `no repository; secret ${clientSecret}` } },
    {
      id: 'exchange',
      startedAt: at + 20,
      durationMs: 31,
      outcome: { status: 'failed', seen: `HTTP 401: refresh_token=${jwt}`, advice: `Sign in again; password ${password} was refused`, actor: 'you', correlationId: '0f1e2d3c-4b5a-4968-8776-655443322110' },
    },
  ];
  const markdown = diagnosisMarkdown({ loginServer: 'contosoapps.azurecr.io', repository: 'hello', startedAt: at, results });

  it('holds no token, password or client secret given inputs that contain them', () => {
    for (const secret of [jwt, clientSecret, password]) assert.ok(!markdown.includes(secret), `the report holds a secret:\n${markdown}`);
    assert.doesNotMatch(markdown, /eyJ[\w-]*\./);
  });

  it('puts the failing check first, with what to do, who must do it, its correlation id and timestamps', () => {
    const lines = markdown.split('\n').filter((line) => line.startsWith('- '));
    assert.deepEqual(
      lines.map((line) => /\*\*(.+?)\*\*/.exec(line)?.[1]),
      ['Exchange', 'Name and cloud', 'Roles'],
    );
    assert.match(markdown, /What to do \(you\): Sign in again/);
    assert.match(markdown, /Correlation id: 0f1e2d3c-4b5a-4968-8776-655443322110/);
    assert.match(markdown, /2026-12-05T07:00:00\.020Z/);
    assert.match(markdown, /1 of 3 checks failed/);
  });
});
