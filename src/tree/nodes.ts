import type { ManifestSummary, TagSummary } from '../acr/registryContent';
import type { RegistrySummary, Subscription } from '../azure/registries';
import type { ScopeMapInfo, TokenInfo } from '../azure/tokens';
import type { FailureAdvice } from '../failures';

/**
 * The registry tree's nodes: plain data, each holding only what it showed (docs/architecture.md, "Registry
 * tree"). Paged nodes keep the pages loaded so far and where the next one is; nothing holds a whole listing.
 */
export type TreeNode =
  | TenantNode
  | SubscriptionNode
  | TypedRegistriesNode
  | RegistryNode
  | RepositoryNode
  | TagNode
  | LoadMoreNode
  | ErrorNode
  | OpenByNameNode
  | MessageNode
  | TokensNode
  | TokenNode
  | ScopeMapsNode
  | ScopeMapNode;

/** Children loaded a page at a time. */
export interface Listing<T> {
  items: T[];
  /** The next page (path and query on the registry), if any. */
  next?: string;
  /** Pages already asked for: a registry that points back at one of them has no more. */
  readonly requested: Set<string>;
  /** Why the last page could not be loaded (shown in place of Load more). */
  error?: ErrorNode;
}

export interface TenantNode {
  readonly kind: 'tenant';
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly subscriptions: readonly Subscription[];
  /** Why its subscriptions could not be listed (it wants MFA, refuses, throttles): shown as its one child. */
  readonly failure?: unknown;
  children?: (SubscriptionNode | ErrorNode)[];
}

export interface SubscriptionNode {
  readonly kind: 'subscription';
  readonly id: string;
  readonly parent?: TenantNode;
  readonly subscription: Subscription;
  children?: TreeNode[];
}

/** Registries known by login server only: typed by the user, or logged in with a registry password. */
export interface TypedRegistriesNode {
  readonly kind: 'typedRegistries';
  readonly id: string;
  children?: RegistryNode[];
}

export interface RegistryNode {
  readonly kind: 'registry';
  readonly id: string;
  readonly parent: SubscriptionNode | TypedRegistriesNode;
  readonly loginServer: string;
  /** What ARM said about it; absent for a registry known by login server only. */
  readonly summary?: RegistrySummary;
  /** Added with Add Registry by Login Server (so Remove from View can take it out). */
  readonly added: boolean;
  listing?: Listing<RepositoryNode>;
  /** Repositories opened by name (no catalog rights) or found with Find Repository, shown in order among the listed ones. */
  opened: RepositoryNode[];
  /** The catalog was refused for want of rights: Open Repository by Name is offered. */
  catalogDenied?: boolean;
  /** The Tokens and Scope maps groups, for a registry ARM listed. */
  tokensGroup?: TokensNode;
  scopeMapsGroup?: ScopeMapsNode;
}

/** A registry's repository-scoped tokens, read from ARM when expanded. */
export interface TokensNode {
  readonly kind: 'tokens';
  readonly id: string;
  readonly parent: RegistryNode;
  children?: Array<TokenNode | ErrorNode | MessageNode>;
}

export interface TokenNode {
  readonly kind: 'token';
  readonly id: string;
  readonly parent: TokensNode;
  readonly token: TokenInfo;
}

/** A registry's scope maps, its own and the built-in `_repositories_*` ones. */
export interface ScopeMapsNode {
  readonly kind: 'scopeMaps';
  readonly id: string;
  readonly parent: RegistryNode;
  children?: Array<ScopeMapNode | ErrorNode>;
}

export interface ScopeMapNode {
  readonly kind: 'scopeMap';
  readonly id: string;
  readonly parent: ScopeMapsNode;
  readonly scopeMap: ScopeMapInfo;
}

export interface RepositoryNode {
  readonly kind: 'repository';
  readonly id: string;
  readonly parent: RegistryNode;
  readonly name: string;
  /** Found with Find Repository outside the pages loaded: its description says so. */
  readonly found?: boolean;
  listing?: Listing<TagNode>;
  /** Sizes and platforms, by digest, from one `_manifests` page per page of tags. */
  readonly manifests: Map<string, ManifestSummary>;
  /** The next `_manifests` page; null once they are all read. */
  manifestsNext?: string | null;
}

export interface TagNode {
  readonly kind: 'tag';
  readonly id: string;
  readonly parent: RepositoryNode;
  readonly tag: TagSummary;
}

export interface LoadMoreNode {
  readonly kind: 'loadMore';
  readonly id: string;
  readonly parent: RegistryNode | RepositoryNode;
}

/** A failure, shown where it happened; Retry tries that node again. */
export interface ErrorNode {
  readonly kind: 'error';
  readonly id: string;
  /** The node whose children failed to load (undefined: the subscriptions at the top). */
  readonly parent?: TreeNode;
  readonly advice: FailureAdvice;
  /** Not before then: the registry asked to wait (Retry-After). */
  readonly retryAt?: number;
  /** Loading a further page failed: Retry loads that page, keeping the ones shown. */
  readonly pageFailed: boolean;
}

export interface OpenByNameNode {
  readonly kind: 'openByName';
  readonly id: string;
  readonly parent: RegistryNode;
}

export interface MessageNode {
  readonly kind: 'message';
  readonly id: string;
  readonly parent?: TreeNode;
  readonly text: string;
}

/** The node a node's children belong to, for `TreeDataProvider.getParent`. */
export function parentOf(node: TreeNode): TreeNode | undefined {
  return 'parent' in node ? node.parent : undefined;
}

/** The registry a node is in, if any. */
export function registryAbove(node: TreeNode): RegistryNode | undefined {
  for (let current: TreeNode | undefined = node; current; current = parentOf(current)) if (current.kind === 'registry') return current;
  return undefined;
}

/**
 * What a failure shown in the tree is about, for its Diagnose action (ACR: Diagnose Access): its registry, and the
 * repository whose tags failed to load; undefined for one above any registry (a tenant, a subscription).
 */
export function failureTarget(error: ErrorNode): { readonly registry: RegistryNode; readonly repository?: string } | undefined {
  const registry = registryAbove(error);
  if (!registry) return undefined;
  return error.parent?.kind === 'repository' ? { registry, repository: error.parent.name } : { registry };
}

export function imageReference(tag: TagNode, by: 'tag' | 'digest'): string {
  const repository = tag.parent;
  const base = `${repository.parent.loginServer}/${repository.name}`;
  return by === 'tag' ? `${base}:${tag.tag.name}` : `${base}@${tag.tag.digest}`;
}
