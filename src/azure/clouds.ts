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
}

export const knownClouds: readonly AzureCloud[] = [
  {
    name: 'AzureCloud',
    authorityHost: 'https://login.microsoftonline.com',
    armEndpoint: 'https://management.azure.com',
    armAudience: 'https://management.azure.com',
    acrAudience: 'https://containerregistry.azure.net',
    loginServerSuffix: 'azurecr.io',
  },
  {
    name: 'AzureChinaCloud',
    authorityHost: 'https://login.chinacloudapi.cn',
    armEndpoint: 'https://management.chinacloudapi.cn',
    armAudience: 'https://management.chinacloudapi.cn',
    acrAudience: 'https://containerregistry.azure.net',
    loginServerSuffix: 'azurecr.cn',
  },
  {
    name: 'AzureUSGovernment',
    authorityHost: 'https://login.microsoftonline.us',
    armEndpoint: 'https://management.usgovcloudapi.net',
    armAudience: 'https://management.usgovcloudapi.net',
    acrAudience: 'https://containerregistry.azure.net',
    loginServerSuffix: 'azurecr.us',
  },
];

/** Scopes for a token of the given audience. */
export function scopeFor(audience: string): string {
  return `${audience.replace(/\/+$/, '')}/.default`;
}
