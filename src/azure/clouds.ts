import * as l10n from '@vscode/l10n';
import type { ActionableFailure } from '../actionableFailure';

/** Where an Azure cloud's endpoints are: the public cloud, the sovereign clouds, or a custom one from settings. */
export interface AzureCloud {
  readonly name: 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment' | 'custom';
  /** Entra ID authority host, e.g. https://login.microsoftonline.com */
  readonly authorityHost: string;
  /** Azure Resource Manager, e.g. https://management.azure.com */
  readonly armEndpoint: string;
  /** The audience of ARM tokens; the scope asked for is `${armAudience}/.default`. */
  readonly armAudience: string;
  /** The audience of ACR-audience tokens; the scope asked for is `${acrAudience}/.default`. */
  readonly acrAudience: string;
  /** Login servers are `<registry>.<loginServerSuffix>`, e.g. azurecr.io */
  readonly loginServerSuffix: string;
  /** The Azure portal, e.g. https://portal.azure.com; unknown for a custom cloud that does not name one. */
  readonly portalUrl?: string;
}

export const knownClouds: readonly AzureCloud[] = [
  {
    name: 'AzureCloud',
    authorityHost: 'https://login.microsoftonline.com',
    armEndpoint: 'https://management.azure.com',
    armAudience: 'https://management.azure.com',
    acrAudience: 'https://containerregistry.azure.net',
    loginServerSuffix: 'azurecr.io',
    portalUrl: 'https://portal.azure.com',
  },
  {
    name: 'AzureChinaCloud',
    authorityHost: 'https://login.chinacloudapi.cn',
    armEndpoint: 'https://management.chinacloudapi.cn',
    armAudience: 'https://management.chinacloudapi.cn',
    acrAudience: 'https://containerregistry.azure.net',
    loginServerSuffix: 'azurecr.cn',
    portalUrl: 'https://portal.azure.cn',
  },
  {
    name: 'AzureUSGovernment',
    authorityHost: 'https://login.microsoftonline.us',
    armEndpoint: 'https://management.usgovcloudapi.net',
    armAudience: 'https://management.usgovcloudapi.net',
    acrAudience: 'https://containerregistry.azure.net',
    loginServerSuffix: 'azurecr.us',
    portalUrl: 'https://portal.azure.us',
  },
];

/** Scopes for a token of the given audience. */
export function scopeFor(audience: string): string {
  return `${audience.replace(/\/+$/, '')}/.default`;
}

/** The part of VS Code's `microsoft-sovereign-cloud.customEnvironment` setting this extension reads. */
export interface CustomEnvironmentSetting {
  activeDirectoryEndpointUrl?: string;
  resourceManagerEndpointUrl?: string;
  activeDirectoryResourceId?: string;
  portalUrl?: string;
}

/** `acrAccess.customCloud`: what VS Code's custom environment does not say about ACR. */
export interface AcrCustomCloudSetting {
  loginServerSuffix?: string;
  acrAudience?: string;
}

/** A cloud setting is missing or wrong; `setting` is the one to open (a top-level setting id). */
export class CloudSettingsError extends Error implements ActionableFailure {
  override readonly name = 'CloudSettingsError';
  readonly needsUser = true;
  readonly nextStep = 'changeSettings';
  readonly failureKind = 'azure.cloudSettings';
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message);
  }
}

/**
 * The cloud to use, from the same settings VS Code's own sovereign-cloud sign-in reads
 * (`microsoft-sovereign-cloud.environment` and `.customEnvironment`) plus `acrAccess.customCloud`.
 */
export function cloudFromSettings(
  environment: string | undefined,
  customEnvironment: CustomEnvironmentSetting | undefined,
  acrCustomCloud: AcrCustomCloudSetting | undefined,
): AzureCloud {
  switch (environment || undefined) {
    case undefined:
      return knownClouds[0];
    case 'ChinaCloud':
      return knownClouds[1];
    case 'USGovernment':
      return knownClouds[2];
    case 'custom':
      return customCloud(customEnvironment ?? {}, acrCustomCloud ?? {});
    default:
      throw new CloudSettingsError(
        l10n.t('The setting microsoft-sovereign-cloud.environment is "{0}"; use ChinaCloud, USGovernment or custom, or remove it for the public cloud.', String(environment)),
        'microsoft-sovereign-cloud.environment',
      );
  }
}

function customCloud(environment: CustomEnvironmentSetting, acr: AcrCustomCloudSetting): AzureCloud {
  const authorityHost = httpsUrl(environment.activeDirectoryEndpointUrl, 'microsoft-sovereign-cloud.customEnvironment.activeDirectoryEndpointUrl');
  const armEndpoint = httpsUrl(environment.resourceManagerEndpointUrl, 'microsoft-sovereign-cloud.customEnvironment.resourceManagerEndpointUrl');
  const suffix = acr.loginServerSuffix?.trim().toLowerCase() ?? '';
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(suffix)) {
    throw new CloudSettingsError(l10n.t('Set acrAccess.customCloud.loginServerSuffix to your cloud\'s registry suffix, such as "azurecr.io".'), 'acrAccess.customCloud');
  }
  return {
    name: 'custom',
    authorityHost,
    armEndpoint,
    armAudience: environment.activeDirectoryResourceId ? httpsUrl(environment.activeDirectoryResourceId, 'microsoft-sovereign-cloud.customEnvironment.activeDirectoryResourceId') : armEndpoint,
    acrAudience: acr.acrAudience ? httpsUrl(acr.acrAudience, 'acrAccess.customCloud.acrAudience') : knownClouds[0].acrAudience,
    loginServerSuffix: suffix,
    ...(environment.portalUrl ? { portalUrl: httpsUrl(environment.portalUrl, 'microsoft-sovereign-cloud.customEnvironment.portalUrl') } : {}),
  };
}

function httpsUrl(value: string | undefined, setting: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value ?? '');
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    // `setting` names a field of an object setting; the settings editor finds the object.
    throw new CloudSettingsError(l10n.t('Set {0} to an https:// URL (it is "{1}").', setting, value ?? ''), setting.split('.').slice(0, 2).join('.'));
  }
  return url.toString().replace(/\/+$/, '');
}
