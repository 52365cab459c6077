// Which role the user is told to get, for every case the advice depends on: what was tried, where (ARM or
// the registry's own API), the registry's role-assignment mode, and whether the reader may assign roles.
// The sentences and role names are written out here, not read from src/ (docs/protocol.md sections 7 and 8).
import assert from 'node:assert/strict';
import { AccessAttempt, accessAdvice, AccessPlane } from '../../src/actionableFailure';

type Row = [attempt: AccessAttempt, plane: AccessPlane, abac: boolean | undefined, mayAssignRoles: boolean, advice: string];

const table: Row[] = [
  ['read', 'arm', true, false, 'Ask an owner of registry contosoabac for Reader.'],
  ['read', 'arm', true, true, 'You may assign roles on registry contosoabac: assign yourself Reader there.'],
  ['write', 'arm', true, false, 'Ask an owner of registry contosoabac for Contributor.'],
  ['write', 'arm', true, true, 'You may assign roles on registry contosoabac: assign yourself Contributor there.'],
  ['delete', 'arm', true, false, 'Ask an owner of registry contosoabac for Contributor.'],
  ['delete', 'arm', true, true, 'You may assign roles on registry contosoabac: assign yourself Contributor there.'],
  ['list', 'arm', true, false, 'Ask an owner of registry contosoabac for Reader.'],
  ['list', 'arm', true, true, 'You may assign roles on registry contosoabac: assign yourself Reader there.'],
  ['read', 'arm', false, false, 'Ask an owner of registry contosoabac for Reader.'],
  ['read', 'arm', false, true, 'You may assign roles on registry contosoabac: assign yourself Reader there.'],
  ['write', 'arm', false, false, 'Ask an owner of registry contosoabac for Contributor.'],
  ['write', 'arm', false, true, 'You may assign roles on registry contosoabac: assign yourself Contributor there.'],
  ['delete', 'arm', false, false, 'Ask an owner of registry contosoabac for Contributor.'],
  ['delete', 'arm', false, true, 'You may assign roles on registry contosoabac: assign yourself Contributor there.'],
  ['list', 'arm', false, false, 'Ask an owner of registry contosoabac for Reader.'],
  ['list', 'arm', false, true, 'You may assign roles on registry contosoabac: assign yourself Reader there.'],
  ['read', 'arm', undefined, false, 'Ask an owner of registry contosoabac for Reader.'],
  ['read', 'arm', undefined, true, 'You may assign roles on registry contosoabac: assign yourself Reader there.'],
  ['write', 'arm', undefined, false, 'Ask an owner of registry contosoabac for Contributor.'],
  ['write', 'arm', undefined, true, 'You may assign roles on registry contosoabac: assign yourself Contributor there.'],
  ['delete', 'arm', undefined, false, 'Ask an owner of registry contosoabac for Contributor.'],
  ['delete', 'arm', undefined, true, 'You may assign roles on registry contosoabac: assign yourself Contributor there.'],
  ['list', 'arm', undefined, false, 'Ask an owner of registry contosoabac for Reader.'],
  ['list', 'arm', undefined, true, 'You may assign roles on registry contosoabac: assign yourself Reader there.'],
  ['read', 'data', true, false, 'Ask an owner of registry contosoabac for Container Registry Repository Reader on repository team-a/frontend.'],
  ['read', 'data', true, true, 'You may assign roles on registry contosoabac: assign yourself Container Registry Repository Reader there, limited to repository team-a/frontend.'],
  ['write', 'data', true, false, 'Ask an owner of registry contosoabac for Container Registry Repository Writer on repository team-a/frontend.'],
  ['write', 'data', true, true, 'You may assign roles on registry contosoabac: assign yourself Container Registry Repository Writer there, limited to repository team-a/frontend.'],
  ['delete', 'data', true, false, 'Ask an owner of registry contosoabac for Container Registry Repository Contributor on repository team-a/frontend.'],
  ['delete', 'data', true, true, 'You may assign roles on registry contosoabac: assign yourself Container Registry Repository Contributor there, limited to repository team-a/frontend.'],
  ['list', 'data', true, false, 'Ask an owner of registry contosoabac for Container Registry Repository Catalog Lister.'],
  ['list', 'data', true, true, 'You may assign roles on registry contosoabac: assign yourself Container Registry Repository Catalog Lister there.'],
  ['read', 'data', false, false, 'Ask an owner of registry contosoabac for AcrPull.'],
  ['read', 'data', false, true, 'You may assign roles on registry contosoabac: assign yourself AcrPull there.'],
  ['write', 'data', false, false, 'Ask an owner of registry contosoabac for AcrPush.'],
  ['write', 'data', false, true, 'You may assign roles on registry contosoabac: assign yourself AcrPush there.'],
  ['delete', 'data', false, false, 'Ask an owner of registry contosoabac for AcrDelete.'],
  ['delete', 'data', false, true, 'You may assign roles on registry contosoabac: assign yourself AcrDelete there.'],
  ['list', 'data', false, false, 'Ask an owner of registry contosoabac for AcrPull.'],
  ['list', 'data', false, true, 'You may assign roles on registry contosoabac: assign yourself AcrPull there.'],
  ['read', 'data', undefined, false, 'Ask an owner of registry contosoabac for AcrPull, or for Container Registry Repository Reader on repository team-a/frontend if the registry uses repository permissions (ABAC).'],
  ['read', 'data', undefined, true, 'You may assign roles on registry contosoabac: assign yourself AcrPull there, or Container Registry Repository Reader limited to repository team-a/frontend if the registry uses repository permissions (ABAC).'],
  ['write', 'data', undefined, false, 'Ask an owner of registry contosoabac for AcrPush, or for Container Registry Repository Writer on repository team-a/frontend if the registry uses repository permissions (ABAC).'],
  ['write', 'data', undefined, true, 'You may assign roles on registry contosoabac: assign yourself AcrPush there, or Container Registry Repository Writer limited to repository team-a/frontend if the registry uses repository permissions (ABAC).'],
  ['delete', 'data', undefined, false, 'Ask an owner of registry contosoabac for AcrDelete, or for Container Registry Repository Contributor on repository team-a/frontend if the registry uses repository permissions (ABAC).'],
  ['delete', 'data', undefined, true, 'You may assign roles on registry contosoabac: assign yourself AcrDelete there, or Container Registry Repository Contributor limited to repository team-a/frontend if the registry uses repository permissions (ABAC).'],
  ['list', 'data', undefined, false, 'Ask an owner of registry contosoabac for AcrPull, or for Container Registry Repository Catalog Lister if the registry uses repository permissions (ABAC).'],
  ['list', 'data', undefined, true, 'You may assign roles on registry contosoabac: assign yourself AcrPull there, or Container Registry Repository Catalog Lister if the registry uses repository permissions (ABAC).'],
];

describe('access advice: the role to get, from whom, and where', () => {
  for (const [attempt, plane, abac, mayAssignRoles, advice] of table) {
    it(`${attempt} in ${plane}, ABAC ${String(abac)}, ${mayAssignRoles ? 'may' : 'may not'} assign roles`, () => {
      assert.equal(accessAdvice({ attempt, plane, abac, mayAssignRoles, scope: 'registry contosoabac', repository: 'team-a/frontend' }), advice);
    });
  }

  it('never names AcrPull, AcrPush or AcrDelete for the data plane of an ABAC registry', () => {
    for (const [attempt, plane, abac, mayAssignRoles] of table.filter(([, plane, abac]) => plane === 'data' && abac === true)) {
      assert.doesNotMatch(accessAdvice({ attempt, plane, abac, mayAssignRoles, scope: 'registry contosoabac' }), /\bAcr(Pull|Push|Delete)\b/);
    }
  });

  it('without a repository, a repository role is asked for on the repositories the reader needs', () => {
    assert.equal(
      accessAdvice({ attempt: 'read', plane: 'data', abac: true, mayAssignRoles: false, scope: 'registry contosoabac' }),
      'Ask an owner of registry contosoabac for Container Registry Repository Reader on the repositories you need.',
    );
  });
});
