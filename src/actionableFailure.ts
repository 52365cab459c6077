// What error classes say about themselves, and which role to ask for when one is missing. Kept apart from
// failures.ts, which reads these and imports the error classes, so that the error modules do not import it back.
import * as l10n from '@vscode/l10n';

/** What the user (or nobody) should do about a failure. */
export type NextStep =
  /** Passing trouble (network, throttling, outage, time-out): trying again later may work. */
  | 'retry'
  /** Sign in to Azure again (signed out, expired, another tenant, a broken sign-in method). */
  | 'signIn'
  /** A registry's user name and password were refused: sign in with the current one. */
  | 'enterPassword'
  /** Ask an owner for a role (the message names which). */
  | 'requestAccess'
  /** Fix a setting (trusted hosts, cloud settings). */
  | 'changeSettings'
  /** Firewall, public access off, proxy or TLS. */
  | 'fixNetwork'
  /** The Docker engine is not reachable. */
  | 'startDocker'
  /** The docker config or credential helper is broken; the file was left untouched. */
  | 'fixDockerConfig'
  /** Nothing better to say: an unexpected failure. */
  | 'showLog';

/**
 * What every error class of this extension says about itself; `adviceFor` reads it. The error's `message` is
 * already localized and secret-free.
 */
export interface ActionableFailure {
  readonly message: string;
  readonly needsUser: boolean;
  readonly nextStep: NextStep;
  /** The advice's `kind` (AcrError's own `kind` names the ACR failure alone). */
  readonly failureKind: string;
  readonly retryAfterSeconds?: number;
  readonly setting?: string;
}

/** Duck-typed, so the check holds across bundles and for classes that only implement the interface. */
export function isActionableFailure(error: unknown): error is Error & ActionableFailure {
  if (!(error instanceof Error)) return false;
  const { needsUser, nextStep, failureKind } = error as Partial<ActionableFailure>;
  return typeof needsUser === 'boolean' && typeof nextStep === 'string' && typeof failureKind === 'string';
}

/** What was tried when a role was missing: reading, changing, deleting, or listing what is there. */
export type AccessAttempt = 'read' | 'write' | 'delete' | 'list';

/** Azure Resource Manager (the registry as an Azure resource) or the registry's own API (its content). */
export type AccessPlane = 'arm' | 'data';

/** Everything the advice about a missing role depends on. */
export interface AccessCase {
  readonly attempt: AccessAttempt;
  readonly plane: AccessPlane;
  /** The registry's role-assignment mode: repository permissions (ABAC), not, or not known. */
  readonly abac: boolean | undefined;
  /** The reader may assign roles on the scope (Owner or User Access Administrator there or above it). */
  readonly mayAssignRoles: boolean;
  /** Where the role is to be assigned, as the reader knows it: "registry contosoapps", or an ARM resource id. */
  readonly scope: string;
  /** The repository the attempt was on, when it was on one. */
  readonly repository?: string;
}

/**
 * The built-in role that grants an attempt: in ARM the same on every registry; in the registry's own API,
 * repository roles on an ABAC registry and the Acr roles on any other (docs/protocol.md sections 7 and 8).
 */
export function roleFor(attempt: AccessAttempt, plane: AccessPlane, abac: boolean): string {
  if (plane === 'arm') return attempt === 'read' || attempt === 'list' ? 'Reader' : 'Contributor';
  const roles: Record<AccessAttempt, string> = abac
    ? {
        read: 'Container Registry Repository Reader',
        write: 'Container Registry Repository Writer',
        delete: 'Container Registry Repository Contributor',
        list: 'Container Registry Repository Catalog Lister',
      }
    : { read: 'AcrPull', write: 'AcrPush', delete: 'AcrDelete', list: 'AcrPull' };
  return roles[attempt];
}

/**
 * The one sentence that says which role to get, from whom, and where: the role the case needs, limited to the
 * repository where an ABAC repository role can be (every one but Catalog Lister), and, to a reader who may
 * assign roles there, that they can assign it themselves. Where the registry's mode is not known, both roles.
 */
export function accessAdvice(access: AccessCase): string {
  const { attempt, plane, scope, repository } = access;
  const role = roleFor(attempt, plane, access.abac === true);
  const limitable = plane === 'data' && attempt !== 'list' && access.abac !== false;
  const where = repository === undefined ? l10n.t('the repositories you need') : l10n.t('repository {0}', repository);
  if (plane === 'data' && access.abac === undefined) {
    const abacRole = roleFor(attempt, plane, true);
    if (access.mayAssignRoles) {
      return limitable
        ? l10n.t('You may assign roles on {0}: assign yourself {1} there, or {2} limited to {3} if the registry uses repository permissions (ABAC).', scope, role, abacRole, where)
        : l10n.t('You may assign roles on {0}: assign yourself {1} there, or {2} if the registry uses repository permissions (ABAC).', scope, role, abacRole);
    }
    return limitable
      ? l10n.t('Ask an owner of {0} for {1}, or for {2} on {3} if the registry uses repository permissions (ABAC).', scope, role, abacRole, where)
      : l10n.t('Ask an owner of {0} for {1}, or for {2} if the registry uses repository permissions (ABAC).', scope, role, abacRole);
  }
  if (limitable) {
    return access.mayAssignRoles
      ? l10n.t('You may assign roles on {0}: assign yourself {1} there, limited to {2}.', scope, role, where)
      : l10n.t('Ask an owner of {0} for {1} on {2}.', scope, role, where);
  }
  return access.mayAssignRoles ? l10n.t('You may assign roles on {0}: assign yourself {1} there.', scope, role) : l10n.t('Ask an owner of {0} for {1}.', scope, role);
}
