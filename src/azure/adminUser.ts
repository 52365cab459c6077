import * as l10n from '@vscode/l10n';
import type { ActionableFailure, NextStep } from '../actionableFailure';
import { AzureCloud, scopeFor } from './clouds';
import { CredentialForTenant, RegistrySummary } from './registries';

/** The admin user's name and its two passwords (docs/protocol.md section 9). */
export interface AdminCredentials {
  readonly username: string;
  readonly passwords: readonly { readonly name: AdminPasswordName; readonly value: string }[];
}

export type AdminPasswordName = 'password' | 'password2';

/** A failure of an admin-user request that the user must act on; the message says how. */
export class AdminUserError extends Error implements ActionableFailure {
  readonly needsUser = true;
  readonly nextStep: NextStep;
  readonly failureKind: string;

  constructor(kind: 'disabled' | 'noRole', registry: string) {
    super(
      kind === 'disabled'
        ? l10n.t('The admin user of registry {0} is disabled. Enable it with ACR: Enable Admin User... (it has full access), or create a repository-scoped access token instead.', registry)
        : l10n.t('Your account may not manage the admin user of registry {0}: that takes the Owner or Contributor role on the registry. Ask an owner, or create a repository-scoped access token instead.', registry),
    );
    this.name = 'AdminUserError';
    this.nextStep = kind === 'disabled' ? 'showLog' : 'requestAccess';
    this.failureKind = kind === 'disabled' ? 'arm.adminUserDisabled' : 'arm.adminUserNoRole';
  }
}

async function managementClient(credentialFor: CredentialForTenant, cloud: AzureCloud, registry: RegistrySummary) {
  const { ContainerRegistryManagementClient } = await import('@azure/arm-containerregistry');
  return new ContainerRegistryManagementClient(credentialFor(registry.subscription.tenantId), registry.subscription.id, {
    endpoint: cloud.armEndpoint,
    credentials: { scopes: [scopeFor(cloud.armAudience)] },
  });
}

/** ARM's refusals that have a next step of their own; anything else goes on as the SDK raised it. */
function explained(error: unknown, registry: RegistrySummary): unknown {
  const { statusCode, code } = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  if (statusCode === 403) return new AdminUserError('noRole', registry.name);
  if (statusCode === 400 && code === 'AdminUserDisabled') return new AdminUserError('disabled', registry.name);
  return error;
}

function adminCredentials(result: { username?: string; passwords?: { name?: string; value?: string }[] }): AdminCredentials {
  const passwords = (result.passwords ?? []).flatMap((password) =>
    (password.name === 'password' || password.name === 'password2') && password.value ? [{ name: password.name, value: password.value } as const] : [],
  );
  return { username: result.username ?? '', passwords };
}

/** The admin user's name and passwords (`listCredentials`): full access to the registry, so only on request. */
export async function listAdminCredentials(credentialFor: CredentialForTenant, cloud: AzureCloud, registry: RegistrySummary, abortSignal?: AbortSignal): Promise<AdminCredentials> {
  const client = await managementClient(credentialFor, cloud, registry);
  try {
    return adminCredentials(await client.registries.listCredentials(registry.resourceGroup, registry.name, { abortSignal }));
  } catch (error) {
    throw explained(error, registry);
  }
}

/** Replaces one admin password with a new one (`regenerateCredential`); resolves with both as they are now. */
export async function regenerateAdminPassword(
  credentialFor: CredentialForTenant,
  cloud: AzureCloud,
  registry: RegistrySummary,
  name: AdminPasswordName,
  abortSignal?: AbortSignal,
): Promise<AdminCredentials> {
  const client = await managementClient(credentialFor, cloud, registry);
  try {
    return adminCredentials(await client.registries.regenerateCredential(registry.resourceGroup, registry.name, { name }, { abortSignal }));
  } catch (error) {
    throw explained(error, registry);
  }
}

/** Switches the admin user on or off; resolves with the state ARM reports afterwards. */
export async function setAdminUserEnabled(credentialFor: CredentialForTenant, cloud: AzureCloud, registry: RegistrySummary, enabled: boolean, abortSignal?: AbortSignal): Promise<boolean> {
  const client = await managementClient(credentialFor, cloud, registry);
  try {
    const updated = await client.registries.beginUpdateAndWait(registry.resourceGroup, registry.name, { adminUserEnabled: enabled }, { abortSignal, updateIntervalInMs: 1000 });
    return updated.adminUserEnabled ?? false;
  } catch (error) {
    throw explained(error, registry);
  }
}
