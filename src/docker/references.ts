import * as l10n from '@vscode/l10n';
import { InvalidReferenceError } from './errors';

const label = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Checks a registry server address (`host` or `host:port`, as `docker login` takes it) and returns it in the
 * form used as the key in the docker config: lower case, no scheme, no path.
 */
export function parseServerAddress(input: string): string {
  const address = input.trim().toLowerCase();
  const problem = serverAddressProblem(address);
  if (problem) throw new InvalidReferenceError(l10n.t('"{0}" is not a registry server address: {1}. Give it as host or host:port, e.g. myregistry.azurecr.io.', input, problem));
  return address;
}

function serverAddressProblem(address: string): string | undefined {
  if (!address) return l10n.t('it is empty');
  if (address.includes('://')) return l10n.t('leave out the scheme (https://)');
  if (address.includes('@')) return l10n.t('it must not contain a user name');
  if (/[/?#\s]/.test(address)) return l10n.t('it must not contain a path, query, or spaces');
  const [host, port, ...rest] = address.split(':');
  if (rest.length > 0) return l10n.t('it has more than one colon');
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return l10n.t('port "{0}" is not a number from 1 to 65535', port);
  if (host.length > 253) return l10n.t('the host name is longer than 253 characters');
  const badLabel = host.split('.').find((part) => !label.test(part));
  if (badLabel !== undefined) return badLabel ? l10n.t('"{0}" is not a valid host name label', badLabel) : l10n.t('the host name has an empty label');
  return undefined;
}
