import assert from 'node:assert/strict';
import type { RegistrySummary } from '../../src/azure/registries';
import type { CheckOutcome, DiagnosisInputs, Findings } from '../../src/diagnosis/diagnosis';
import { checkClock, checkDns, endpointsResolved } from '../../src/diagnosis/registryChecks';

const now = Date.UTC(2026, 11, 5, 9, 0, 0);
const inputs = { loginServer: '127.0.0.1:8443', now: () => now } as DiagnosisInputs;

/** An ACR refresh token's shape with this `iat` (the check reads claims only). */
function tokenIssuedAt(issuedAt: number): string {
  const claims = Buffer.from(JSON.stringify({ iat: issuedAt / 1000, exp: issuedAt / 1000 + 3600 })).toString('base64url');
  return `e30.${claims}.c2lnbmF0dXJl`;
}

/** What check 8 makes of a registry whose clock is this far from ours (its Date header and its token alike). */
function clockOutcome(registryAheadMs: number): CheckOutcome {
  const registryTime = now + registryAheadMs;
  const findings: Findings = { serverDate: { server: registryTime, local: now }, refreshToken: { token: tokenIssuedAt(registryTime), receivedAt: now } };
  return checkClock(inputs, findings) as CheckOutcome;
}

describe('diagnosis, registry checks on their own', () => {
  describe('check 8, the clock', () => {
    for (const [name, offsetMs] of [
      ['10 minutes ahead', 10 * 60_000],
      ['10 minutes behind', -10 * 60_000],
    ] as const) {
      it(`fails when the registry's clock is ${name}, with both skews in what it saw`, () => {
        const outcome = clockOutcome(offsetMs);
        assert.equal(outcome.status, 'failed');
        const seconds = -offsetMs / 1000;
        assert.equal(outcome.status === 'failed' && outcome.seen, `This computer's clock minus the registry's Date header: ${seconds} s; the token's iat: ${seconds} s.`);
        assert.match(outcome.status === 'failed' ? outcome.advice : '', /more than 5 minutes off/);
      });
    }

    it('passes within 5 minutes either way', () => {
      assert.equal(clockOutcome(4 * 60_000).status, 'passed');
      assert.equal(clockOutcome(-4 * 60_000).status, 'passed');
    });
  });

  describe('check 2, DNS', () => {
    it("resolves the data endpoints ARM listed even when the login server is an address, and passes when they resolve", async () => {
      const registry = { dataEndpointHostNames: ['localhost'] } as unknown as RegistrySummary;
      const findings: Findings = {};
      const outcome = await checkDns({ ...inputs, registry }, findings);
      assert.equal(outcome.status, 'passed', JSON.stringify(outcome));
      assert.match(outcome.status === 'passed' ? outcome.seen : '', /^127\.0\.0\.1 is an IP address: there is no name to resolve\. Data endpoint: localhost resolves to .*\(private addresses\)\.$/);
      assert.equal(findings.resolved, true);
    });

    it('names each regional endpoint by its region, and advises letting through those that do not resolve', async () => {
      const unresolvable = 'contosoapps.westeurope.geo.azurecr.invalid';
      const { seen, advice } = await endpointsResolved([], ['localhost', unresolvable]);
      assert.match(seen[0], /^Regional endpoint \(localhost\): localhost resolves to .*\(private addresses\)\.$/);
      assert.match(seen[1], /^Regional endpoint \(westeurope\): contosoapps\.westeurope\.geo\.azurecr\.invalid does not resolve \(\w+\)\.$/);
      assert.equal(seen.length, 2);
      assert.match(advice ?? '', /^The regional endpoints \(contosoapps\.westeurope\.geo\.azurecr\.invalid\) are login servers of their own, one per geo-replica: the DNS and firewall rules .* must allow each regional endpoint/);
    });

    it('gives advice for the data endpoints and the regional endpoints together when both fail, and none when all resolve', async () => {
      const { advice } = await endpointsResolved(['contosoapps.westeurope.data.azurecr.invalid'], ['contosoapps.westeurope.geo.azurecr.invalid']);
      assert.match(advice ?? '', /data endpoints \(contosoapps\.westeurope\.data\.azurecr\.invalid\).* The regional endpoints \(contosoapps\.westeurope\.geo\.azurecr\.invalid\)/);
      assert.equal((await endpointsResolved(['localhost'], ['localhost'])).advice, undefined);
    });
  });
});
