import type { TokenCredential } from '@azure/core-auth';
import { armGet } from './armGet';
import { AzureCloud } from './clouds';
import { registryId } from './permissions';
import type { RegistrySummary } from './registries';

/** One role assignment that counts on a registry: made at the registry or at a scope above it. */
export interface RoleAssignment {
  readonly roleName: string;
  /** The ARM id of the scope it is made at: the registry, its resource group, its subscription, or above. */
  readonly scope: string;
  /** Limited by a condition (on ABAC registries: to some repositories). */
  readonly conditional: boolean;
}

const apiVersion = 'api-version=2022-04-01';
/** How long each ARM request may take: a diagnosis reports rather than waits. */
const timeoutMs = 15_000;

interface AssignmentProperties {
  readonly roleDefinitionId?: string;
  readonly scope?: string;
  readonly condition?: string;
}

/** What the two ARM answers read here hold: a list of role assignments, or a role definition. */
interface ArmAnswer {
  readonly value?: readonly { readonly properties?: AssignmentProperties }[];
  readonly properties?: { readonly roleName?: string };
}

/**
 * A principal's role assignments at the registry and above it, with their roles' names (docs/protocol.md
 * section 8). Throws with ARM's message when ARM refuses.
 */
export async function listRoleAssignments(credential: TokenCredential, cloud: AzureCloud, registry: RegistrySummary, principalId: string, abortSignal?: AbortSignal): Promise<RoleAssignment[]> {
  const get = (path: string): Promise<ArmAnswer> => armGet<ArmAnswer>(credential, cloud, path, timeoutMs, abortSignal);
  const filter = encodeURIComponent(`atScope() and assignedTo('${principalId}')`);
  const { value = [] } = await get(`${registryId(registry)}/providers/Microsoft.Authorization/roleAssignments?${apiVersion}&$filter=${filter}`);
  const assignments = value.map(({ properties }) => properties ?? {});
  const roleIds = [...new Set(assignments.map(({ roleDefinitionId }) => roleDefinitionId ?? ''))].filter(Boolean);
  const roleNames = new Map(await Promise.all(roleIds.map(async (id) => [id, (await get(`${id}?${apiVersion}`)).properties?.roleName ?? id] as const)));
  return assignments.map(({ roleDefinitionId = '', scope = '', condition }) => ({ roleName: roleNames.get(roleDefinitionId) ?? roleDefinitionId, scope, conditional: condition !== undefined }));
}
