import { type Check, type CheckId, type CheckResult, type DiagnosisInputs, runChecks } from './diagnosis';
import { checkCredentials, checkEngine, checkRenewals } from './dockerChecks';
import { checkChallenge, checkClock, checkDns, checkExchange, checkName, checkRoles, checkSignIn, checkTls } from './registryChecks';

/** The checks of ACR: Diagnose Access, in the order they run. */
const checks: ReadonlyArray<readonly [CheckId, Check]> = [
  ['name', checkName],
  ['dns', checkDns],
  ['tls', checkTls],
  ['challenge', checkChallenge],
  ['signIn', checkSignIn],
  ['exchange', checkExchange],
  ['roles', checkRoles],
  ['clock', checkClock],
  ['engine', checkEngine],
  ['credentials', checkCredentials],
  ['renewals', checkRenewals],
];

/** One diagnosis of a registry: what was asked, and each check's result. */
export interface Diagnosis {
  readonly loginServer: string;
  readonly repository?: string;
  readonly startedAt: number;
  readonly results: readonly CheckResult[];
}

export async function diagnose(inputs: DiagnosisInputs, onCheck?: (result: CheckResult) => void): Promise<Diagnosis> {
  const startedAt = inputs.now();
  const results = await runChecks(checks, inputs, onCheck);
  return { loginServer: inputs.loginServer, repository: inputs.repository, startedAt, results };
}
