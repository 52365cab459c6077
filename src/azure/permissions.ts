import * as l10n from '@vscode/l10n';
import { AccessCase, accessAdvice, type ActionableFailure } from '../actionableFailure';
import { armGet } from './armGet';
import { AzureCloud } from './clouds';
import { CredentialForTenant, RegistrySummary } from './registries';

/** One entry of ARM's permissions API: what one role assignment at the scope or above it allows. */
export interface Permission {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
}

const registries = 'Microsoft.ContainerRegistry/registries';

/** The ARM actions the registry changes of this extension need (docs/protocol.md section 9). */
export const registryActions = {
  writeTokens: `${registries}/tokens/write`,
  deleteTokens: `${registries}/tokens/delete`,
  writeScopeMaps: `${registries}/scopeMaps/write`,
  generateCredentials: `${registries}/generateCredentials/action`,
  writeRegistry: `${registries}/write`,
  regenerateCredential: `${registries}/regenerateCredential/action`,
} as const;

/** Assigning roles: Owner and User Access Administrator have it, Contributor does not. */
export const assignRoles = 'Microsoft.Authorization/roleAssignments/write';

/** How long the check may hold up the command before it goes on without it. */
const checkTimeoutMs = 10_000;

// An action pattern of a role matched as ARM matches it: each `*` stands for any text, and case does not count.
function matches(pattern: string, action: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i').test(action);
}

/** Whether one of the entries grants the action and that same entry does not take it back in its notActions. */
export function allows(permissions: readonly Permission[], action: string): boolean {
  return permissions.some((entry) => entry.actions.some((pattern) => matches(pattern, action)) && !entry.notActions.some((pattern) => matches(pattern, action)));
}

/** The registry's ARM resource id, the scope its role assignments are made at. */
export function registryId(registry: RegistrySummary): string {
  return `/subscriptions/${registry.subscription.id}/resourceGroups/${registry.resourceGroup}/providers/${registries}/${registry.name}`;
}

const strings = (value: unknown): readonly string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** An entry as the permissions API gives it; a list that is missing counts as empty. */
function permission(value: unknown): Permission {
  const { actions, notActions, dataActions, notDataActions } = (value ?? {}) as Record<string, unknown>;
  return { actions: strings(actions), notActions: strings(notActions), dataActions: strings(dataActions), notDataActions: strings(notDataActions) };
}

/**
 * The caller's permissions on a registry, from ARM's permissions API; undefined when ARM does not say (refused,
 * throttled, unreachable, slow or an answer that does not read): the caller then goes on as if it had not asked.
 */
export async function readPermissions(credentialFor: CredentialForTenant, cloud: AzureCloud, registry: RegistrySummary, abortSignal?: AbortSignal): Promise<Permission[] | undefined> {
  const path = `${registryId(registry)}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`;
  try {
    const { value } = await armGet<{ value?: unknown }>(credentialFor(registry.subscription.tenantId), cloud, path, checkTimeoutMs, abortSignal);
    return Array.isArray(value) ? value.map(permission) : undefined;
  } catch (error) {
    if (abortSignal?.aborted) throw error;
    return undefined;
  }
}

/** Whether the caller may assign roles on the registry; false when ARM does not say. */
export async function mayAssignRoles(credentialFor: CredentialForTenant, cloud: AzureCloud, registry: RegistrySummary): Promise<boolean> {
  const permissions = await readPermissions(credentialFor, cloud, registry);
  return permissions !== undefined && allows(permissions, assignRoles);
}

/** A change the caller's roles do not allow, said before any question is asked, with the role that does. */
export class MissingPermissionError extends Error implements ActionableFailure {
  readonly needsUser = true;
  readonly nextStep = 'requestAccess';
  readonly failureKind: string;

  /** `what` is the change, as a localized phrase ("Creating tokens in registry contosoapps"); `missing`, what it lacks. */
  constructor(what: string, missing: readonly string[], access: AccessCase) {
    const advice = accessAdvice(access);
    super(
      access.attempt === 'delete'
        ? l10n.t('{0} needs delete access ({1}), which your account does not have. {2}', what, missing.join(', '), advice)
        : l10n.t('{0} needs write access ({1}), which your account does not have. {2}', what, missing.join(', '), advice),
    );
    this.name = 'MissingPermissionError';
    this.failureKind = access.plane === 'arm' ? 'arm.permissionMissing' : 'acr.permissionMissing';
  }
}
