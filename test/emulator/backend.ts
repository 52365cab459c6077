import { AccessEntry, fullPermissions } from './permissions';
import { RegistryIndex } from './registryIndex';
import { RegistryStorage } from './registryStorage';
import { LogEntry } from './requestLog';
import { RegistryState, World } from './world';

/** Accepted manifest media types, so the registry answers with what was pushed rather than converting it. */
export const manifestTypes = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/**
 * The emulator's own side of one registry process: requests with tokens it mints for itself, the registry's
 * filesystem storage, and the index of what that storage holds which the `/acr/v1` API answers from.
 */
export class RegistryBackend {
  readonly storage: RegistryStorage;
  readonly index: RegistryIndex;

  constructor(
    private readonly world: World,
    private readonly registry: RegistryState,
    readonly port: number,
    storageDir: string,
  ) {
    this.storage = new RegistryStorage(storageDir);
    this.index = new RegistryIndex(registry, this);
  }

  /** A request to the registry process with a token for exactly `access`; counted on `entry`. */
  async call(method: string, path: string, access: AccessEntry, entry: LogEntry): Promise<Response> {
    const token = this.world.mintAcrToken(this.registry, { caller: 'emulator', subject: 'emulator', permissions: fullPermissions, roles: [] }, 'access_token', { access: [access] });
    countBackendRequest(entry);
    return fetch(`http://127.0.0.1:${this.port}${path}`, { method, headers: { authorization: `Bearer ${token}`, accept: manifestTypes } });
  }
}

/** Notes on a log entry that answering it took one more request to the registry process. */
export function countBackendRequest(entry: LogEntry): void {
  entry.backendRequests = (entry.backendRequests ?? 0) + 1;
}

/** Notes on a log entry how many files of the registry's storage were read to answer it. */
export function countStorageReads(entry: LogEntry, files: number): void {
  entry.storageReads = (entry.storageReads ?? 0) + files;
}
