import { AcrError } from '../acr/errors';
import { ImagePullError, PullStalledError, RegistryLoginRefusedError, RegistryUnreachableError } from '../docker/errors';
import { parseImageReference } from '../docker/imageReference';

/** The registry (and repository) a failure is about, for the Diagnose button on its notification; undefined for others. */
export function diagnosisTarget(error: unknown): { readonly loginServer: string; readonly repository?: string } | undefined {
  // An AcrError names a login server, or a typed registry name (no dot or port) that has none.
  if (error instanceof AcrError) return /[.:]/.test(error.registry) ? { loginServer: error.registry } : undefined;
  if (error instanceof RegistryLoginRefusedError || error instanceof RegistryUnreachableError) return { loginServer: error.serverAddress };
  if (error instanceof ImagePullError || error instanceof PullStalledError) {
    const { serverAddress, repository } = parseImageReference(error.reference);
    return { loginServer: serverAddress, repository };
  }
  return undefined;
}
