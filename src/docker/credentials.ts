import { AuthEntry, ConfigWriteOptions, credentialHelperFor, DockerConfig, DockerEnvironment, updateDockerConfig } from './config';
import { helperErase, helperGet, helperProgram, helperStore } from './credentialHelper';
import { parseServerAddress } from './references';

/** A credential for one registry, as `docker login` takes it. */
export interface RegistryCredential {
  /** host[:port] of the registry (its login server). */
  readonly serverAddress: string;
  /** `00000000-0000-0000-0000-000000000000` when the secret is an ACR refresh token. */
  readonly username: string;
  readonly secret: string;
}

/** Where the docker CLI will find the stored secret. */
export type StoredIn = { readonly kind: 'config'; readonly file: string } | { readonly kind: 'helper'; readonly program: string; readonly file: string };

// Fields that hold a credential; with a helper none of them stays in config.json.
const credentialFields = ['auth', 'identitytoken', 'username', 'password', 'registrytoken'];

function withoutCredentialFields(entry: AuthEntry | undefined): AuthEntry {
  const kept: AuthEntry = { ...entry };
  for (const field of credentialFields) delete kept[field];
  return kept;
}

function encodeAuth(username: string, secret: string): string {
  return Buffer.from(`${username}:${secret}`).toString('base64');
}

function decodeAuth(auth: string): { username: string; secret: string } | undefined {
  const text = Buffer.from(auth, 'base64').toString();
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { username: text.slice(0, colon), secret: text.slice(colon + 1) };
}

/**
 * Stores the credential as `docker login` would: through the credential helper the config names for this
 * host (leaving only an empty `auths` entry in config.json, as the docker CLI does), or else as
 * `auths[host].auth`. Every other entry and field of the config is kept. With `replacing`, a credential
 * someone else stored since (their own `docker login`) is left alone: resolves undefined, nothing written.
 * A helper is called under config.json.lock (updateDockerConfig): asked what it holds right before the store,
 * and read back after it.
 */
export async function storeDockerCredential(
  credential: RegistryCredential,
  environment: DockerEnvironment,
  replacing?: CredentialToErase,
  writeOptions?: ConfigWriteOptions,
): Promise<StoredIn | undefined> {
  const host = parseServerAddress(credential.serverAddress);
  const platform = environment.platform ?? process.platform;
  return updateDockerConfig<StoredIn | undefined>(
    environment,
    async (config, file) => {
      const helper = credentialHelperFor(config, host);
      if (replacing) {
        const stored = await storedCredential(config, host, helper, environment.env, platform);
        if (stored && !isSame(stored, replacing)) return { result: undefined };
      }
      if (helper) {
        await helperStore(helper, host, credential, environment.env, platform);
        // A `docker login` that bypasses the lock and stores between the look above and this store is lost: the
        // window that remains (docs/architecture.md). A docker login or logout after it is found here and stays.
        const held = await helperGet(helper, host, environment.env, platform);
        if (!held || !isSame(held, credential)) return { result: undefined };
      }
      const storedIn: StoredIn = helper ? { kind: 'helper', program: helperProgram(helper, platform), file } : { kind: 'config', file };
      const edit = (current: DockerConfig): StoredIn | undefined => {
        const stored = current.auths?.[host]?.auth;
        // Made on a config someone changed since: a credential they saved meanwhile stays.
        if (replacing && !helper && stored !== undefined && !isSameAuth(stored, replacing)) return undefined;
        const entry = withoutCredentialFields(current.auths?.[host]);
        if (!helper) entry.auth = encodeAuth(credential.username, credential.secret);
        current.auths = { ...current.auths, [host]: entry };
        return storedIn;
      };
      return { edit };
    },
    writeOptions,
  );
}

/** What the extension stored; without the secret, the username alone says whether the entry is still ours. */
export interface CredentialToErase {
  readonly serverAddress: string;
  readonly username: string;
  readonly secret?: string;
}

/** `removed`: it was ours and is gone; `absent`: nothing stored; `kept`: someone else's credential is there now. */
export type EraseOutcome = 'removed' | 'absent' | 'kept';

/**
 * Removes the credential only if the docker config (or its helper) still holds this username (and this
 * secret, when given); a credential the user replaced, e.g. by their own `docker login`, stays. A helper is
 * asked under config.json.lock, right before the erase.
 */
export async function eraseDockerCredential(credential: CredentialToErase, environment: DockerEnvironment, writeOptions?: ConfigWriteOptions): Promise<EraseOutcome> {
  const host = parseServerAddress(credential.serverAddress);
  const platform = environment.platform ?? process.platform;
  return updateDockerConfig<EraseOutcome>(
    environment,
    async (config) => {
      const helper = credentialHelperFor(config, host);
      const stored = await storedCredential(config, host, helper, environment.env, platform);
      if (!stored) return { result: 'absent' };
      if (!isSame(stored, credential)) return { result: 'kept' };
      if (helper) await helperErase(helper, host, environment.env, platform);
      // With a helper, the entry is the empty placeholder written next to the helper's copy, unless someone filled it since.
      if (helper && !isPlaceholder(config.auths?.[host])) return { result: 'removed' };
      const edit = (current: DockerConfig): EraseOutcome => {
        const entry = current.auths?.[host];
        // Made again on a config someone changed meanwhile: an entry that is no longer ours stays.
        const stillOurs = entry !== undefined && (helper ? isPlaceholder(entry) : entry.auth !== undefined && isSameAuth(entry.auth, credential));
        if (stillOurs) delete current.auths![host];
        // The helper's copy is gone already, whatever became of the placeholder.
        if (helper || stillOurs) return 'removed';
        return entry === undefined ? 'absent' : 'kept';
      };
      return { edit };
    },
    writeOptions,
  );
}

function isPlaceholder(entry: AuthEntry | undefined): boolean {
  return entry !== undefined && credentialFields.every((field) => entry[field] === undefined);
}

function isSameAuth(auth: string, credential: CredentialToErase): boolean {
  const decoded = decodeAuth(auth);
  return decoded !== undefined && isSame(decoded, credential);
}

/** What the helper holds for the host (asked now), or else config.json's entry. */
async function storedCredential(config: DockerConfig, host: string, helper: string | undefined, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<{ username: string; secret: string } | undefined> {
  const entry = config.auths?.[host];
  return helper ? helperGet(helper, host, env, platform) : entry?.auth ? decodeAuth(entry.auth) : undefined;
}

/** Whether the stored credential is this one: same username, and same secret when the secret is known. */
function isSame(stored: { username: string; secret: string }, credential: CredentialToErase): boolean {
  return stored.username === credential.username && (credential.secret === undefined || stored.secret === credential.secret);
}
