import * as l10n from '@vscode/l10n';
import { isIPv6 } from 'node:net';
import { InvalidReferenceError } from './errors';

// The one rule for a login server (registry server address), typed by the user or read from an image reference
// or a credential: `host` or `host:port` (`[ipv6]:port` too), no scheme, user name or path. Case does not
// matter: it is lower-cased and accepted, as `docker login` does.

const label = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const bracketedIpv6 = /^\[(?<address>[^\]]*)\](?::(?<port>.*))?$/;

/** A login server as Docker keys it in its config: trimmed and lower-cased. */
export function normalizeServerAddress(input: string): string {
  return input.trim().toLowerCase();
}

/**
 * Why this login server (`host` or `host:port`) cannot be used, or undefined when it can. Checks what
 * `normalizeServerAddress` makes of it, so upper case is accepted. For input boxes: the text says what is wrong.
 */
export function serverAddressProblem(input: string): string | undefined {
  const address = normalizeServerAddress(input);
  if (!address) return l10n.t('it is empty');
  if (address.includes('://')) return l10n.t('leave out the scheme (https://)');
  if (address.includes('@')) return l10n.t('it must not contain a user name');
  if (/[/?#\s]/.test(address)) return l10n.t('a login server is a host name such as myregistry.azurecr.io, without a path, query or spaces');
  const ipv6 = bracketedIpv6.exec(address)?.groups;
  if (ipv6) {
    if (!isIPv6(ipv6.address)) return l10n.t('"{0}" is not an IPv6 address', ipv6.address);
    return ipv6.port === undefined ? undefined : portProblem(ipv6.port);
  }
  const [host, port, ...rest] = address.split(':');
  if (rest.length > 0) return l10n.t('it has more than one colon (an IPv6 address goes in brackets, e.g. [::1]:5000)');
  if (port !== undefined) {
    const problem = portProblem(port);
    if (problem) return problem;
  }
  if (host.length > 253) return l10n.t('the host name is longer than 253 characters');
  if (host.endsWith('.')) return l10n.t('the host name ends with a dot');
  const badLabel = host.split('.').find((part) => !label.test(part));
  if (badLabel !== undefined) return badLabel ? l10n.t('"{0}" is not a valid host name label', badLabel) : l10n.t('the host name has an empty label');
  return undefined;
}

/**
 * The login server in the form used as the key in the docker config (see `normalizeServerAddress`); throws
 * InvalidReferenceError, saying what is wrong and what to give instead, when it is not one.
 */
export function parseServerAddress(input: string): string {
  const problem = serverAddressProblem(input);
  if (problem) throw new InvalidReferenceError(l10n.t('"{0}" is not a registry server address: {1}. Give it as host or host:port, e.g. myregistry.azurecr.io.', input, problem));
  return normalizeServerAddress(input);
}

function portProblem(port: string): string | undefined {
  return /^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535 ? undefined : l10n.t('port "{0}" is not a number from 1 to 65535', port);
}
