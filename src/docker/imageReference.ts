import * as l10n from '@vscode/l10n';
import { InvalidReferenceError } from './errors';
import { parseServerAddress } from './references';

// The grammar the engine accepts (distribution's reference package): lower-case path components joined by
// `/`, a tag of word characters, a digest of a known algorithm in lower-case hex.
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
const maxNameLength = 255;

/** An image in a registry: `host[:port]/repository[:tag][@digest]`. */
export interface ImageReference {
  /** host[:port] of the registry, lower case, as the docker config keys it. */
  readonly serverAddress: string;
  /** The path under the registry, e.g. `team/api`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Parses `host[:port]/repository[:tag][@digest]`. The registry host is required: the engine would read a
 * name without one as a Docker Hub image, and the credential meant for this registry would go there.
 */
export function parseImageReference(input: string): ImageReference {
  const fail = (problem: string): never => {
    throw new InvalidReferenceError(l10n.t('"{0}" is not an image reference: {1}. Give it as registry/repository:tag, e.g. myregistry.azurecr.io/team/api:1.0.', input, problem));
  };
  const text = input.trim();
  if (!text) fail(l10n.t('it is empty'));
  if (text.includes('://')) fail(l10n.t('leave out the scheme (https://)'));
  if (/\s/.test(text)) fail(l10n.t('it must not contain spaces'));

  const [named, digest, ...extraDigests] = text.split('@');
  if (extraDigests.length > 0) fail(l10n.t('it has more than one @'));
  if (digest !== undefined && !digestPattern.test(digest)) fail(l10n.t('"{0}" is not a digest such as sha256:<64 lower-case hex digits>', digest));

  const slash = named.indexOf('/');
  const host = slash < 0 ? '' : named.slice(0, slash);
  // As for the engine, a first component is a registry host only with a dot, a port, or as localhost.
  if (!host.includes('.') && !host.includes(':') && host.toLowerCase() !== 'localhost') fail(l10n.t('it names no registry host'));
  let serverAddress: string;
  try {
    serverAddress = parseServerAddress(host);
  } catch (error) {
    throw new InvalidReferenceError(l10n.t('"{0}" is not an image reference. {1}', input, (error as Error).message));
  }

  let repository = named.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
    if (!tagPattern.test(tag)) fail(l10n.t('"{0}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)', tag));
  }
  if (!repository) fail(l10n.t('the repository name is empty'));
  if (repository !== repository.toLowerCase()) fail(l10n.t('repository names are lower case ("{0}")', repository.toLowerCase()));
  const badComponent = repository.split('/').find((component) => !pathComponent.test(component));
  if (badComponent !== undefined) fail(l10n.t('"{0}" is not a valid repository path component (lower-case letters, digits and single separators . _ __ -)', badComponent));
  if (serverAddress.length + 1 + repository.length > maxNameLength) fail(l10n.t('the name is longer than {0} characters', maxNameLength));
  return { serverAddress, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The reference as text; without tag or digest it means `latest`, as with the docker CLI. */
export function formatImageReference(reference: ImageReference): string {
  const name = `${reference.serverAddress}/${reference.repository}`;
  if (reference.digest) return `${name}${reference.tag ? `:${reference.tag}` : ''}@${reference.digest}`;
  return `${name}:${reference.tag ?? 'latest'}`;
}
