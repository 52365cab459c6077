import * as vscode from 'vscode';
import { AcrError } from '../acr/errors';
import { lastBefore, Page, RegistryContent, TagSummary } from '../acr/registryContent';
import type { RegistrySummary, Subscription, SubscriptionListing } from '../azure/registries';
import type { RegistryTokens } from '../azure/tokens';
import { abortSignalFor, isCancellation } from '../cancellation';
import { adviceFor } from '../failures';
import { ErrorNode, Listing, parentOf, RegistryNode, RepositoryNode, ScopeMapsNode, SubscriptionNode, TagNode, TenantNode, TokensNode, TreeNode, TypedRegistriesNode } from './nodes';
import { TreeItemContext, treeItem, tagTooltip } from './treeItems';
import { TreeMemory } from './treeMemory';

/** What the tree reads from the rest of the extension. */
export interface TreeSources {
  /** Anyone signed in: an Entra account, or a registry's own user name and password. */
  signedIn(): boolean;
  /** Signed in with an Entra account, whose subscriptions are listed. */
  usesEntra(): boolean;
  /** Tenant by tenant: a tenant that fails is named apart, the others' subscriptions listed. */
  listSubscriptions(signal: AbortSignal): Promise<SubscriptionListing>;
  /** Writes a failure the view shows to the log, once per time it is shown (`where`: the node it is under). */
  logFailure(where: string, error: unknown): void;
  listRegistries(subscription: Subscription, signal: AbortSignal): Promise<RegistrySummary[]>;
  content(registry: RegistryNode): RegistryContent;
  /** A registry's tokens and scope maps in ARM. */
  registryTokens(registry: RegistrySummary): Promise<RegistryTokens>;
  /** Login servers ARM did not list: typed by the user, or logged in with a registry password. */
  typedLoginServers(): string[];
  pageSize(): number;
}

export const registriesViewId = 'acrAccess.registries';

/**
 * The registry tree: tenant (when there are several) -> subscription -> registry -> repository -> tag. Each
 * node loads its own children, a page at a time; a failure becomes an error node in its place, so one
 * registry never hides another. Changes refresh only the nodes they touch.
 */
export class RegistryTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly messageChanged = new vscode.EventEmitter<string | undefined>();
  /** Says when the subscription filter hides something. */
  readonly onDidChangeMessage = this.messageChanged.event;
  private subscriptions?: SubscriptionListing | ErrorNode;
  private rootNodes?: TreeNode[];
  /** Every registry node shown, to refresh the ones a Docker login change touches. */
  private readonly registryNodes = new Set<RegistryNode>();
  /** Aborted when everything is reloaded (or the extension stops), so no load outlives what it was for. */
  private loads = new AbortController();
  /** Failures that asked to wait, each tried again when its wait is over. */
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** A logged-in registry's description counts down its time left: redrawn once a minute. */
  private readonly countdown = setInterval(() => {
    const context = this.itemContext();
    const counting = [...this.registryNodes].filter((node) => context.status(node.loginServer)?.login.expiresOn !== undefined);
    if (counting.length > 0) this.changed.fire(counting);
  }, 60_000);

  constructor(
    private readonly sources: TreeSources,
    private readonly memory: TreeMemory,
    private readonly itemContext: () => TreeItemContext,
  ) {}

  dispose(): void {
    clearInterval(this.countdown);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.loads.abort();
    this.changed.dispose();
    this.messageChanged.dispose();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return treeItem(node, this.itemContext());
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return parentOf(node);
  }

  /**
   * A tag's tooltip needs its manifest's size and platforms; read when the user hovers, if its page did not bring
   * them (a multi-platform image's platforms never come in a page).
   */
  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (node.kind !== 'tag' || item.tooltip !== undefined) return item;
    const repository = node.parent;
    try {
      const manifest = await this.sources.content(repository.parent).manifest(repository.name, node.tag.digest, abortSignalFor(token));
      repository.manifests.set(manifest.digest, manifest);
    } catch {
      // The tooltip says what the pages said.
    }
    item.tooltip = tagTooltip(node);
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.rootChildren();
    switch (node.kind) {
      case 'tenant':
        return (node.children ??= node.failure === undefined ? node.subscriptions.map((subscription) => this.subscriptionNode(subscription, node)) : [this.errorNode(node, node.failure)]);
      case 'subscription':
        return (node.children ??= await this.registriesOf(node));
      case 'typedRegistries':
        return (node.children ??= this.sources.typedLoginServers().map((loginServer) => this.registryNode(node, loginServer)));
      case 'registry':
        return [...this.accessGroupsOf(node), ...(await this.repositoriesOf(node))];
      case 'repository':
        return this.tagsOf(node);
      case 'tokens':
        return (node.children ??= await this.tokensOf(node));
      case 'scopeMaps':
        return (node.children ??= await this.scopeMapsOf(node));
      default:
        return [];
    }
  }

  /** Loads everything under a node again (everything when none is given). */
  refresh(node?: TreeNode): void {
    if (!node) {
      this.loads.abort();
      this.loads = new AbortController();
      this.subscriptions = undefined;
      this.rootNodes = undefined;
      this.registryNodes.clear();
    } else if (node.kind === 'subscription') {
      node.children = undefined;
    } else if (node.kind === 'registry') {
      node.listing = undefined;
      node.catalogDenied = undefined;
    } else if (node.kind === 'repository') {
      node.listing = undefined;
      node.manifests.clear();
      node.manifestsNext = undefined;
    } else if (node.kind === 'tokens' || node.kind === 'scopeMaps') {
      node.children = undefined;
    }
    this.changed.fire(node);
  }

  /** Reads a registry's tokens and scope maps again (after one was created, changed or deleted). */
  refreshAccessGroups(registry: RegistryNode): void {
    for (const group of [registry.tokensGroup, registry.scopeMapsGroup]) if (group) this.refresh(group);
  }

  /** The tokens and scope maps of a registry ARM listed; undefined for one known by login server only. */
  async registryTokens(registry: RegistryNode): Promise<RegistryTokens | undefined> {
    return registry.summary && this.sources.registryTokens(registry.summary);
  }

  /** The top level again, from what is already loaded (after the subscription filter changed). */
  redrawTop(): void {
    this.rootNodes = undefined;
    this.changed.fire(undefined);
  }

  /** Redraws these registries (their Docker login changed); what they loaded stays. */
  redrawRegistries(loginServers: ReadonlySet<string>): void {
    const touched = [...this.registryNodes].filter((node) => loginServers.has(node.loginServer));
    if (touched.length > 0) this.changed.fire(touched);
  }

  /** Tries a failed node again, once the registry's Retry-After has passed. */
  async retry(error: ErrorNode): Promise<void> {
    const wait = (error.retryAt ?? 0) - Date.now();
    if (wait > 0) await withViewProgress(() => new Promise((resolve) => setTimeout(resolve, wait)));
    const owner = error.parent;
    if (error.pageFailed && owner && (owner.kind === 'registry' || owner.kind === 'repository') && owner.listing) {
      owner.listing.error = undefined;
      await this.loadMore(owner);
      return;
    }
    // A tenant's subscriptions come with the others': they are listed again, all of them.
    if (!owner || owner.kind === 'tenant') {
      this.subscriptions = undefined;
      this.refresh();
      return;
    }
    this.refresh(owner);
  }

  /** Appends exactly the next page of a registry's repositories or a repository's tags. */
  async loadMore(owner: RegistryNode | RepositoryNode): Promise<void> {
    const listing = owner.listing;
    const next = listing?.next;
    if (!listing || !next) return;
    await withViewProgress(async () => {
      if (owner.kind === 'registry') {
        const page = await this.attempt(owner, (signal) => this.sources.content(owner).repositories({ pageSize: this.sources.pageSize(), next }, signal));
        this.appendPage(owner.listing!, next, page, (name) => this.repositoryNode(owner, name));
      } else {
        const page = await this.attempt(owner, (signal) => this.sources.content(owner.parent).tags(owner.name, { pageSize: this.sources.pageSize(), next }, signal));
        this.appendPage(owner.listing!, next, page, (tag) => this.tagNode(owner, tag));
        void this.loadSizes(owner);
      }
    });
    this.changed.fire(owner);
  }

  /**
   * Repository names starting with `prefix`, from one catalog request that seeks to the prefix, so the cost
   * is the same in a registry of 10 repositories or 100,000.
   */
  async findRepositories(registry: RegistryNode, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const wanted = prefix.trim().toLowerCase();
    const page = await this.sources.content(registry).repositories({ pageSize: 50, after: lastBefore(wanted) }, signal);
    return page.items.filter((name) => name.startsWith(wanted));
  }

  /** The node of a repository under its registry: the one shown, or one added in its place (found, or opened by name). */
  openRepository(registry: RegistryNode, name: string, how?: { found: boolean }): RepositoryNode {
    const shown = [...registry.opened, ...(registry.listing?.items ?? [])].find((node) => node.name === name);
    if (shown) return shown;
    const node = { ...this.repositoryNode(registry, name), found: how?.found };
    registry.opened.push(node);
    this.changed.fire(registry);
    return node;
  }

  /** What a registry holds, read with the credential the tree uses for it. */
  content(registry: RegistryNode): RegistryContent {
    return this.sources.content(registry);
  }

  /** Takes a deleted repository out of its registry's children. */
  forgetRepository(repository: RepositoryNode): void {
    const registry = repository.parent;
    registry.opened = registry.opened.filter((node) => node !== repository);
    if (registry.listing) registry.listing.items = registry.listing.items.filter((node) => node !== repository);
    this.changed.fire(registry);
  }

  /** Every registry the view can show, loading subscriptions and their registries as needed (for palette commands). */
  async allRegistries(): Promise<RegistryNode[]> {
    const registries: RegistryNode[] = [];
    const visit = async (nodes: TreeNode[]): Promise<void> => {
      for (const node of nodes) {
        if (node.kind === 'registry') registries.push(node);
        else if (node.kind === 'tenant' || node.kind === 'subscription' || node.kind === 'typedRegistries') await visit(await this.getChildren(node));
      }
    };
    await visit(await this.getChildren());
    return registries;
  }

  private async rootChildren(): Promise<TreeNode[]> {
    if (!this.sources.signedIn()) {
      this.messageChanged.fire(undefined);
      return [];
    }
    if (this.rootNodes) return this.rootNodes;
    const nodes: TreeNode[] = [];
    if (this.sources.usesEntra()) {
      const loads = this.loads;
      const subscriptions = this.subscriptions ?? (await this.attempt(undefined, (signal) => this.sources.listSubscriptions(signal)));
      // A refresh while they loaded cancelled this load and started over: what it got is not kept.
      if (loads !== this.loads) return this.rootChildren();
      this.subscriptions = subscriptions;
      if (isErrorNode(subscriptions)) {
        nodes.push(subscriptions);
      } else {
        const selected = this.memory.selectedSubscriptions();
        const all = subscriptions.subscriptions;
        const shown = selected ? all.filter((subscription) => selected.includes(subscription.id)) : all;
        const hidden = all.length - shown.length;
        const total = all.length;
        const showing =
          total === 1
            ? vscode.l10n.t('Showing {0} of 1 subscription. Select Subscriptions... changes this.', shown.length)
            : vscode.l10n.t('Showing {0} of {1} subscriptions. Select Subscriptions... changes this.', shown.length, total);
        this.messageChanged.fire(hidden > 0 ? showing : undefined);
        const tenants = [...new Set(shown.map((subscription) => subscription.tenantId))];
        const { failedTenants } = subscriptions;
        if (tenants.length + failedTenants.length > 1) {
          for (const tenantId of tenants) {
            const inTenant = shown.filter((subscription) => subscription.tenantId === tenantId);
            nodes.push({ kind: 'tenant', id: `tenant/${tenantId}`, tenantId, name: inTenant[0].tenantName ?? tenantId, subscriptions: inTenant });
          }
          // A tenant that failed on its own shows as its own node, its failure inside; the others load.
          for (const { tenantId, tenantName, error } of failedTenants) {
            this.sources.logFailure(`tenant/${tenantId}`, error);
            nodes.push({ kind: 'tenant', id: `tenant/${tenantId}`, tenantId, name: tenantName ?? tenantId, subscriptions: [], failure: error });
          }
        } else {
          nodes.push(...shown.map((subscription) => this.subscriptionNode(subscription)));
        }
        if (all.length === 0 && failedTenants.length === 0) nodes.push({ kind: 'message', id: 'message/noSubscriptions', text: vscode.l10n.t('This account sees no subscriptions.') });
      }
    }
    if (this.sources.typedLoginServers().length > 0) nodes.push({ kind: 'typedRegistries', id: 'typed' } satisfies TypedRegistriesNode);
    this.rootNodes = nodes;
    return nodes;
  }

  private subscriptionNode(subscription: Subscription, parent?: TenantNode): SubscriptionNode {
    return { kind: 'subscription', id: `subscription/${subscription.id}`, parent, subscription };
  }

  private registryNode(parent: SubscriptionNode | TypedRegistriesNode, loginServer: string, summary?: RegistrySummary): RegistryNode {
    const remembered = this.memory.openedRepositories(loginServer);
    const added = parent.kind === 'typedRegistries' && this.memory.addedLoginServers().includes(loginServer);
    const node: RegistryNode = { kind: 'registry', id: `${parent.id}/registry/${loginServer}`, parent, loginServer, summary, added, opened: [] };
    node.opened.push(...remembered.map((name) => this.repositoryNode(node, name)));
    for (const shown of this.registryNodes) if (shown.id === node.id) this.registryNodes.delete(shown);
    this.registryNodes.add(node);
    return node;
  }

  private repositoryNode(parent: RegistryNode, name: string): RepositoryNode {
    return { kind: 'repository', id: `${parent.id}/repository/${name}`, parent, name, manifests: new Map() };
  }

  private tagNode(parent: RepositoryNode, tag: TagSummary): TagNode {
    return { kind: 'tag', id: `${parent.id}/tag/${tag.name}`, parent, tag };
  }

  private async registriesOf(node: SubscriptionNode): Promise<TreeNode[]> {
    const registries = await this.attempt(node, (signal) => this.sources.listRegistries(node.subscription, signal));
    if (isErrorNode(registries)) return [registries];
    if (registries.length === 0) return [{ kind: 'message', id: `${node.id}/message/noRegistries`, parent: node, text: vscode.l10n.t('No container registries in this subscription.') }];
    return registries.map((registry) => this.registryNode(node, registry.loginServer, registry));
  }

  /** Tokens and Scope maps, first under a registry ARM listed (they live in ARM, not in the registry). */
  private accessGroupsOf(node: RegistryNode): TreeNode[] {
    if (!node.summary) return [];
    node.tokensGroup ??= { kind: 'tokens', id: `${node.id}/tokens`, parent: node };
    node.scopeMapsGroup ??= { kind: 'scopeMaps', id: `${node.id}/scopeMaps`, parent: node };
    return [node.tokensGroup, node.scopeMapsGroup];
  }

  private async tokensOf(node: TokensNode): Promise<NonNullable<TokensNode['children']>> {
    const summary = node.parent.summary!;
    const tokens = await this.attempt(node, async (signal) => (await this.sources.registryTokens(summary)).listTokens(signal));
    if (isErrorNode(tokens)) return [tokens];
    if (tokens.length === 0) return [{ kind: 'message', id: `${node.id}/message/none`, parent: node, text: vscode.l10n.t('No tokens yet. Create Token... makes one.') }];
    return tokens.map((token) => ({ kind: 'token', id: `${node.id}/${token.name}`, parent: node, token }));
  }

  private async scopeMapsOf(node: ScopeMapsNode): Promise<NonNullable<ScopeMapsNode['children']>> {
    const summary = node.parent.summary!;
    const maps = await this.attempt(node, async (signal) => (await this.sources.registryTokens(summary)).listScopeMaps(signal));
    if (isErrorNode(maps)) return [maps];
    return maps.map((scopeMap) => ({ kind: 'scopeMap', id: `${node.id}/${scopeMap.name}`, parent: node, scopeMap }));
  }

  private async repositoriesOf(node: RegistryNode): Promise<TreeNode[]> {
    if (!node.listing) {
      const first = `catalog:${this.sources.pageSize()}`;
      let denied = false;
      const page = await this.attempt(
        node,
        (signal) => this.sources.content(node).repositories({ pageSize: this.sources.pageSize() }, signal),
        (error) => (denied = error instanceof AcrError && error.kind === 'noRole'),
      );
      node.catalogDenied = denied;
      node.listing = { items: [], requested: new Set([first]) };
      this.appendPage(node.listing, first, page, (name) => this.repositoryNode(node, name));
    }
    const openByName: TreeNode[] = node.catalogDenied ? [{ kind: 'openByName', id: `${node.id}/openByName`, parent: node }] : [];
    // In the catalog's order (by name), as if the page holding each found or opened one had been loaded.
    const listed = node.listing.items.filter((repository) => !node.opened.some((opened) => opened.name === repository.name));
    const repositories = [...node.opened, ...listed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return [...openByName, ...repositories, ...this.listingTail(node, node.listing)];
  }

  private async tagsOf(node: RepositoryNode): Promise<TreeNode[]> {
    if (!node.listing) {
      const first = `tags:${this.sources.pageSize()}`;
      const page = await this.attempt(node, (signal) => this.sources.content(node.parent).tags(node.name, { pageSize: this.sources.pageSize() }, signal));
      node.listing = { items: [], requested: new Set([first]) };
      this.appendPage(node.listing, first, page, (tag) => this.tagNode(node, tag));
      void this.loadSizes(node);
    }
    if (node.listing.items.length === 0 && !node.listing.error) return [{ kind: 'message', id: `${node.id}/message/noTags`, parent: node, text: vscode.l10n.t('No tags.') }];
    return [...node.listing.items, ...this.listingTail(node, node.listing)];
  }

  private listingTail(owner: RegistryNode | RepositoryNode, listing: Listing<unknown>): TreeNode[] {
    if (listing.error) return [listing.error];
    return listing.next ? [{ kind: 'loadMore', id: `${owner.id}/loadMore`, parent: owner }] : [];
  }

  private appendPage<T, N extends { id: string }>(listing: Listing<N>, requested: string, page: Page<T> | ErrorNode, toNode: (item: T) => N): void {
    if (isErrorNode(page)) {
      listing.error = { ...page, pageFailed: listing.items.length > 0 };
      return;
    }
    listing.requested.add(requested);
    listing.error = undefined;
    const known = new Set(listing.items.map((item) => item.id));
    listing.items.push(...page.items.map(toNode).filter((node) => !known.has(node.id)));
    // A registry that sends a page already read would be followed forever.
    listing.next = page.next !== undefined && !listing.requested.has(page.next) ? page.next : undefined;
  }

  /**
   * Sizes and platforms for the tags shown: one `_manifests` page (newest first, like the tags) for each page
   * of tags, then the tags that got their sizes are redrawn.
   */
  private async loadSizes(repository: RepositoryNode): Promise<void> {
    const missing = () => (repository.listing?.items ?? []).filter((tag) => !repository.manifests.has(tag.tag.digest));
    if (missing().length === 0 || repository.manifestsNext === null) return;
    try {
      const page = await this.sources.content(repository.parent).manifests(repository.name, { pageSize: this.sources.pageSize(), next: repository.manifestsNext }, undefined);
      for (const manifest of page.items) repository.manifests.set(manifest.digest, manifest);
      repository.manifestsNext = page.next ?? null;
      const sized = (repository.listing?.items ?? []).filter((tag) => repository.manifests.has(tag.tag.digest));
      if (sized.length > 0) this.changed.fire(sized);
    } catch {
      // Sizes are a nicety: the tooltip reads them on hover.
    }
  }

  /** Runs a load; a failure becomes an error node for `owner`, with the advice of the error. */
  private async attempt<T>(owner: TreeNode | undefined, load: (signal: AbortSignal) => Promise<T>, onError?: (error: unknown) => void): Promise<T | ErrorNode> {
    try {
      return await load(this.loads.signal);
    } catch (error) {
      onError?.(error);
      if (!isCancellation(error)) this.sources.logFailure(owner?.id ?? 'top', error);
      return this.errorNode(owner, error);
    }
  }

  /**
   * A failure shown where it happened, with the advice of the error. One that asked to wait (throttled, busy) is
   * tried again by itself once the wait is over, unless the view was loaded afresh meanwhile.
   */
  private errorNode(owner: TreeNode | undefined, error: unknown): ErrorNode {
    const advice = adviceFor(error);
    const retryAt = advice.retryAfterSeconds ? Date.now() + advice.retryAfterSeconds * 1000 : undefined;
    const node: ErrorNode = { kind: 'error', id: `${owner?.id ?? 'top'}/error`, parent: owner, advice, retryAt, pageFailed: false };
    if (retryAt !== undefined && !advice.needsUser) {
      const loads = this.loads;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (loads === this.loads) void this.retry(node);
      }, retryAt - Date.now());
      this.retryTimers.add(timer);
    }
    return node;
  }
}

function isErrorNode(value: unknown): value is ErrorNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'error';
}

function withViewProgress<T>(task: () => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: { viewId: registriesViewId } }, task);
}
