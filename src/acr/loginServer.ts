import * as l10n from '@vscode/l10n';
import type { AzureCloud } from '../azure/clouds';
import { serverAddressProblem } from '../docker/references';
import { AcrError } from './errors';

/** What may receive an Entra token (docs/protocol.md section 1). */
export interface HostTrust {
  readonly cloud: AzureCloud;
  /** `loginServer` values ARM returned for registries (`host` or `host:port`), matched exactly. */
  readonly armLoginServers?: readonly string[];
  /** Hosts the user trusted explicitly (`host` or `host:port`), matched exactly. */
  readonly userTrustedHosts?: readonly string[];
}

const registryNamePattern = /^[A-Za-z0-9]{5,50}$/;

/** Why a registry name is not valid, or undefined when it is. */
export function registryNameProblem(name: string): string | undefined {
  if (name.length < 5 || name.length > 50) return l10n.t('a registry name has 5 to 50 characters; "{0}" has {1}', name, name.length);
  if (!registryNamePattern.test(name)) return l10n.t('a registry name has only letters a-z and digits 0-9 (no dots, dashes or spaces)');
  return undefined;
}

/** The login server of a registry in a cloud: the name lower-cased plus the cloud's suffix. */
export function loginServerFor(registryName: string, cloud: AzureCloud): string {
  const problem = registryNameProblem(registryName);
  if (problem) throw new AcrError('invalidRegistryName', registryName, { detail: problem });
  return `${registryName.toLowerCase()}.${cloud.loginServerSuffix}`;
}

// The strict shape of an authority this module accepts; anything else (userinfo, upper case, spaces) is refused.
const hostPortPattern = /^(?<host>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(?<port>[0-9]{1,5}))?$/;
const ipv4Pattern = /^[0-9]+(\.[0-9]+){3}$/;
const namePrefixPattern = /^[a-z0-9]{5,50}$/;
const dedicatedPrefixPattern = /^[a-z0-9]{5,50}-[a-z0-9]{1,32}$/;
const geoPrefixPattern = /^[a-z0-9]{5,50}\.[a-z0-9]{2,40}\.geo$/;

/**
 * Why this URL may not receive an Entra token, or undefined when it may. Checks the text as given, before any
 * normalization, so `X.azurecr.io`, `x.azurecr.io.` or `user@x.azurecr.io` cannot turn into a trusted host.
 */
export function untrustedReason(url: string, trust: HostTrust): string | undefined {
  const match = /^(?<scheme>[a-z][a-z0-9+.-]*):\/\/(?<authority>[^/?#]*)/i.exec(url);
  if (!match?.groups) return l10n.t('it is not an absolute URL');
  const { scheme, authority } = match.groups;
  if (scheme !== 'https') return l10n.t('the scheme {0} is not HTTPS', scheme);
  const problem = authorityProblem(authority);
  if (problem) return problem;
  const { host, port } = hostPortPattern.exec(authority)!.groups!;

  const canonical = canonicalProblem(url, authority);
  if (canonical) return canonical;

  const exactlyTrustedByArm = trust.armLoginServers?.includes(authority) ?? false;
  const exactlyTrustedByUser = trust.userTrustedHosts?.includes(authority) ?? false;
  if (exactlyTrustedByArm || exactlyTrustedByUser) return undefined;
  if (port !== undefined) return l10n.t('a port is allowed only when Azure Resource Manager returned, or you trusted, exactly this host and port');
  if (isIpLiteral(host)) return l10n.t('an IP address is allowed only when you trusted it exactly');
  return loginServerFormProblem(host, trust.cloud.loginServerSuffix);
}

/** Throws `hostNotTrusted` unless this URL may receive an Entra token; `registry` names the registry in the message. */
export function assertTrustedUrl(url: string, trust: HostTrust, registry: string): URL {
  const reason = untrustedReason(url, trust);
  if (reason) throw new AcrError('hostNotTrusted', registry, { detail: l10n.t('refused {0}: {1}', describeUrl(url), reason) });
  return new URL(url);
}

/**
 * Throws unless a registry's own password (admin user, repository-scoped token) may go to this URL, and returns
 * it parsed. The Entra rule above is not for passwords: a password belongs to the registry the user typed (or
 * ARM listed), whatever its host. It goes to that login server only: over HTTPS, to exactly its host and port,
 * which is where ACR's challenge names its realm (docs/protocol.md sections 2 and 4), and never to another host
 * a challenge names. The login server must be written plainly (no user@host, upper case, or IP in another
 * notation), so the host checked is the host reached.
 */
export function assertPasswordUrl(url: string, loginServer: string): URL {
  const problem = serverAddressProblem(loginServer) ?? authorityProblem(loginServer) ?? canonicalProblem(`https://${loginServer}`, loginServer);
  if (problem) throw new AcrError('invalidRegistryName', loginServer, { detail: problem });
  const match = /^(?<scheme>[a-z][a-z0-9+.-]*):\/\/(?<authority>[^/?#]*)/i.exec(url);
  if (match?.groups?.scheme.toLowerCase() === 'http') throw new AcrError('realmNotHttps', loginServer, { detail: l10n.t('refused {0}', describeUrl(url)) });
  if (match?.groups?.scheme !== 'https' || match.groups.authority !== loginServer || canonicalProblem(url, loginServer)) {
    throw new AcrError('realmElsewhere', loginServer, { detail: l10n.t('refused {0}', describeUrl(url)) });
  }
  return new URL(url);
}

/** Why the URL's host, once parsed, is not `authority` as written, or undefined when it is. */
function canonicalProblem(url: string, authority: string): string | undefined {
  try {
    return new URL(url).host === authority ? undefined : l10n.t('its host is not written in plain canonical form');
  } catch {
    return l10n.t('it is not a valid URL');
  }
}

function authorityProblem(authority: string): string | undefined {
  if (authority === '') return l10n.t('it has no host');
  if (authority.includes('@')) return l10n.t('it carries a user name (user@host)');
  if (/[A-Z]/.test(authority)) return l10n.t('its host has upper-case letters');
  if (/[^\x21-\x7e]/.test(authority)) return l10n.t('its host has characters outside plain ASCII');
  const match = hostPortPattern.exec(authority);
  if (!match?.groups) return l10n.t('its host has characters a host name cannot have');
  const { host, port } = match.groups;
  if (host.endsWith('.')) return l10n.t('its host ends with a dot');
  if (host.split('.').some((label) => label.startsWith('xn--'))) return l10n.t('its host is an internationalized (punycode) name');
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535 || port.startsWith('0'))) return l10n.t('its port is not valid');
  return undefined;
}

function loginServerFormProblem(host: string, suffix: string): string | undefined {
  const anchoredSuffix = `.${suffix}`;
  if (!host.endsWith(anchoredSuffix)) return l10n.t('its host does not end with .{0}', suffix);
  const prefix = host.slice(0, -anchoredSuffix.length);
  if (prefix.split('.').includes('data')) return l10n.t('it is a data endpoint, not a login server');
  if (namePrefixPattern.test(prefix) || dedicatedPrefixPattern.test(prefix) || geoPrefixPattern.test(prefix)) return undefined;
  return l10n.t('its host is not a login server form (<name>.{0}, <name>-<hash>.{0}, <name>.<region>.geo.{0})', suffix);
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || ipv4Pattern.test(host);
}

/** Scheme and host only: enough to say which host was refused, without a path, query or userinfo password. */
function describeUrl(url: string): string {
  const origin = (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0] ?? 'that address').replace(/\/\/.*@/, '//<userinfo>@');
  return origin.length > 120 ? `${origin.slice(0, 120)}...` : origin;
}
