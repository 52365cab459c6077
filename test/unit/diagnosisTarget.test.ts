import assert from 'node:assert/strict';
import { AcrError } from '../../src/acr/errors';
import { diagnosisTarget } from '../../src/commands/diagnosisTarget';
import { ImagePullError, PullStalledError, RegistryLoginRefusedError } from '../../src/docker/errors';

describe('diagnosisTarget: which failures get a Diagnose button, for which registry (issue #20)', () => {
  it('a registry refusal names its login server', () => {
    assert.deepEqual(diagnosisTarget(new AcrError('firewall', 'contosoapps.azurecr.io')), { loginServer: 'contosoapps.azurecr.io' });
    assert.deepEqual(diagnosisTarget(new RegistryLoginRefusedError('localhost:5000', 'unauthorized')), { loginServer: 'localhost:5000' });
  });

  it('a failed or stalled pull names its registry and repository', () => {
    assert.deepEqual(diagnosisTarget(new ImagePullError('contosoapps.azurecr.io/team/api:1.0', 'denied')), { loginServer: 'contosoapps.azurecr.io', repository: 'team/api' });
    assert.deepEqual(diagnosisTarget(new PullStalledError('contosoapps.azurecr.io/hello@sha256:' + 'a'.repeat(64), 60)), { loginServer: 'contosoapps.azurecr.io', repository: 'hello' });
  });

  it('a typed registry name that is no login server, and failures about no registry, get none', () => {
    assert.equal(diagnosisTarget(new AcrError('invalidRegistryName', 'my registry')), undefined);
    assert.equal(diagnosisTarget(new Error('something else')), undefined);
  });
});
