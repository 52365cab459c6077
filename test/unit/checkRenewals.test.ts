import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CheckOutcome, DiagnosisInputs } from '../../src/diagnosis/diagnosis';
import { checkRenewals } from '../../src/diagnosis/dockerChecks';
import { diagnosisMarkdown } from '../../src/diagnosis/report';

const apps = 'contosoapps.azurecr.io';
const at = Date.UTC(2026, 11, 5, 9, 0, 0);
/** A JWT-shaped refresh token, as a careless line might carry one. */
const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'x', exp: 2_000_000_000 })).toString('base64url')}.${randomBytes(64).toString('base64url')}`;

function check(inputs: Partial<DiagnosisInputs>): CheckOutcome {
  return checkRenewals({ loginServer: apps, trust: {} as DiagnosisInputs['trust'], engine: {} as DiagnosisInputs['engine'], now: () => at, ...inputs }, {}) as CheckOutcome;
}

const report = (outcome: CheckOutcome) => diagnosisMarkdown({ loginServer: apps, startedAt: at, results: [{ id: 'renewals', outcome, startedAt: at, durationMs: 0 }] });

describe('checkRenewals (check 11, What ACR Access did): the last problems logged about the registry (issue #20)', () => {
  const recentErrors = [
    { at: at - 120_000, text: `Could not renew ${apps} (attempt 1, acr.firewall); trying again in 30 s: refused` },
    { at: at - 60_000, text: `Registries view, subscription/1/registry/${apps}: acr.firewall: refused` },
  ];

  it('shows each under the renewal, oldest first, with its time', () => {
    const outcome = check({ renewal: { loggedInAt: at - 3_600_000, expiresOn: at + 3_600_000, lastFailure: 'refused' }, recentErrors });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? outcome.seen : '', /The last renewal failed: refused The last 2 problems ACR Access logged about this registry, oldest first:$/);
    assert.deepEqual(outcome.details, [`2026-12-05T08:58:00.000Z ${recentErrors[0].text}`, `2026-12-05T08:59:00.000Z ${recentErrors[1].text}`]);
    const lines = report(outcome).split('\n');
    const first = lines.findIndex((line) => line.startsWith('- Failed: **What ACR Access did**'));
    assert.deepEqual(lines.slice(first + 1, first + 3), ['  - 2026-12-05T08:58:00.000Z Could not renew contosoapps.azurecr.io (attempt 1, acr.firewall); trying again in 30 s: refused', '  - 2026-12-05T08:59:00.000Z Registries view, subscription/1/registry/contosoapps.azurecr.io: acr.firewall: refused']);
    assert.match(lines[first + 3], /^ {2}- What to do \(you\): /);
  });

  it('shows them for a registry Docker is not logged in to as well, and says when there are none', () => {
    const outcome = check({ recentErrors: recentErrors.slice(1) });
    assert.equal(outcome.status, 'skipped');
    assert.match(outcome.status === 'skipped' ? outcome.reason : '', /nothing is renewed\. The last problem ACR Access logged about this registry:$/);
    assert.equal(outcome.details?.length, 1);
    const none = check({ renewal: { loggedInAt: at }, recentErrors: [] });
    assert.equal(none.status, 'passed');
    assert.match(none.status === 'passed' ? none.seen : '', /none names this registry\.$/);
    assert.equal(none.details, undefined);
  });

  it('lets no secret through to the report, whatever a logged line holds', () => {
    const outcome = check({ recentErrors: [{ at, text: `Logging Docker in to ${apps} failed: refresh_token=${jwt}` }] });
    assert.ok(outcome.details?.[0].includes(jwt), 'the test line did not reach the check');
    const markdown = report(outcome);
    assert.ok(!markdown.includes(jwt), markdown);
    assert.doesNotMatch(markdown, /eyJ[\w-]*\./);
    assert.ok(markdown.includes(`  - 2026-12-05T09:00:00.000Z Logging Docker in to ${apps} failed: `), markdown);
  });
});
