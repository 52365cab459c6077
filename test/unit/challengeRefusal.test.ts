import assert from 'node:assert/strict';
import { RegistryResponse } from '../../src/acr/http';
import { failure } from '../../src/acr/protocol';

const registry = 'contosoapps.azurecr.io';
const denied: RegistryResponse = { status: 403, headers: new Headers(), body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }) };

describe('a 403 from a registry, by the credential the request carried', () => {
  it('on the challenge (GET /v2/, no credential) is its network rules: no role can be missing', () => {
    assert.equal(failure(registry, denied, 'none').kind, 'firewall');
  });

  it('on a request with a token is a missing role, unless the registry names its network rules', () => {
    assert.equal(failure(registry, denied, 'entra').kind, 'noRole');
  });
});
