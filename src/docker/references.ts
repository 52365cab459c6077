import * as l10n from '@vscode/l10n';
import { InvalidReferenceError } from './errors';

const label = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const pathComponent = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-f0-9]{32,}$/;

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

export interface ImageReference {
  /** host[:port] of the registry. */
  readonly serverAddress: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Parses `host[:port]/repository[:tag][@digest]`; the registry host is required. */
export function parseImageReference(input: string): ImageReference {
  const fail = (problem: string): never => {
    throw new InvalidReferenceError(l10n.t('"{0}" is not an image reference: {1}. Give it as registry/repository:tag, e.g. myregistry.azurecr.io/team/api:1.0.', input, problem));
  };
  const text = input.trim();
  if (text.includes('://')) fail(l10n.t('leave out the scheme (https://)'));
  const [named, digest, ...extraDigests] = text.split('@');
  if (extraDigests.length > 0) fail(l10n.t('it has more than one @'));
  if (digest !== undefined && !digestPattern.test(digest)) fail(l10n.t('"{0}" is not a digest such as sha256:<64 hex digits>', digest));
  const slash = named.indexOf('/');
  if (slash < 0) fail(l10n.t('it names no registry host'));
  const serverAddress = named.slice(0, slash).toLowerCase();
  const hostProblem = serverAddressProblem(serverAddress);
  if (hostProblem) fail(l10n.t('the registry host "{0}" is not valid: {1}', named.slice(0, slash), hostProblem));
  let repository = named.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
    if (!tagPattern.test(tag)) fail(l10n.t('"{0}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)', tag));
  }
  if (!repository) fail(l10n.t('the repository name is empty'));
  const badComponent = repository.split('/').find((component) => !pathComponent.test(component));
  if (badComponent !== undefined) fail(l10n.t('"{0}" is not a valid repository path component (lower-case letters, digits and single separators . _ __ -)', badComponent));
  return { serverAddress, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The reference as the engine takes it; a reference without tag or digest means `latest`, as with the docker CLI. */
export function formatImageReference(reference: ImageReference): string {
  const name = `${reference.serverAddress}/${reference.repository}`;
  if (reference.digest) return `${name}${reference.tag ? `:${reference.tag}` : ''}@${reference.digest}`;
  return `${name}:${reference.tag ?? 'latest'}`;
}
