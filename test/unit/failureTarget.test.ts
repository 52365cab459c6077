import assert from 'node:assert/strict';
import type { FailureAdvice } from '../../src/failures';
import { ErrorNode, failureTarget, RegistryNode, RepositoryNode, SubscriptionNode, TenantNode, TokensNode, TreeNode } from '../../src/tree/nodes';

const advice: FailureAdvice = { kind: 'acr.firewall', needsUser: true, nextStep: 'fixNetwork', message: 'refused' };
const errorUnder = (parent: TreeNode | undefined): ErrorNode => ({ kind: 'error', id: `${parent?.id ?? 'top'}/error`, parent, advice, pageFailed: false });

describe("failureTarget: which of the tree's failures offer Diagnose, for which registry and repository (issue #20)", () => {
  const tenant: TenantNode = { kind: 'tenant', id: 'tenant/t', tenantId: 't', name: 'Contoso', subscriptions: [], failure: new Error('MFA') };
  const subscription: SubscriptionNode = { kind: 'subscription', id: 'subscription/s', parent: tenant, subscription: { id: 's', name: 'Dev', tenantId: 't' } };
  const registry: RegistryNode = { kind: 'registry', id: 'subscription/s/registry/contosoapps.azurecr.io', parent: subscription, loginServer: 'contosoapps.azurecr.io', added: false, opened: [] };
  const repository: RepositoryNode = { kind: 'repository', id: `${registry.id}/repository/team/api`, parent: registry, name: 'team/api', manifests: new Map() };
  const tokens: TokensNode = { kind: 'tokens', id: `${registry.id}/tokens`, parent: registry };

  it("a registry's repositories or tokens: that registry, no repository", () => {
    assert.deepEqual(failureTarget(errorUnder(registry)), { registry });
    assert.deepEqual(failureTarget(errorUnder(tokens)), { registry });
  });

  it("a repository's tags: its registry and that repository", () => {
    assert.deepEqual(failureTarget(errorUnder(repository)), { registry, repository: 'team/api' });
  });

  it('a tenant, a subscription, or the subscriptions at the top: none', () => {
    for (const parent of [tenant, subscription, undefined]) assert.equal(failureTarget(errorUnder(parent)), undefined);
  });
});
