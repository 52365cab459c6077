// Deliberate breakages of src/ that the tests must catch (`npm run test:mutants`, see run.ts). Each one
// compiles, so only a test can tell it apart from the real code; `find` must occur exactly once in `file`.
import type { Tier } from '../runTier';

/** The test run that should fail: `node --import tsx test/runAll.ts <tier> <words...>`. */
export interface Catcher {
  readonly tier: Tier;
  /** Words that pick test files by name, as runAll.ts takes them; none for the static tier. */
  readonly words: readonly string[];
}

export interface Mutant {
  readonly id: string;
  /** What breaks, and why it matters to a user. */
  readonly breaks: string;
  /** The file under src/ that is changed. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  readonly caughtBy: Catcher;
}

const unit = (...words: string[]): Catcher => ({ tier: 'unit', words });
const component = (...words: string[]): Catcher => ({ tier: 'component', words });

export const mutants: readonly Mutant[] = [
  {
    id: 'forbidden-is-retryable',
    breaks: 'A 403 from the registry becomes "unavailable", so a user without a role is retried forever instead of being told which role to ask for.',
    file: 'src/acr/protocol.ts',
    find: "'firewall' : 'noRole'",
    replace: "'firewall' : 'unavailable'",
    caughtBy: unit('failures'),
  },
  {
    id: 'wrong-password-means-sign-in',
    breaks: 'A refused admin or token password is reported as an expired Azure sign-in, sending the user to sign in again when the password is what needs fixing.',
    file: 'src/acr/protocol.ts',
    find: "if (credentialKind === 'password') return new AcrError('credentialsRejected', registry, details);",
    replace: "if (credentialKind === 'password') return new AcrError('tokenExpired', registry, details);",
    caughtBy: unit('failures'),
  },
  {
    id: 'retry-after-dropped-from-503',
    breaks: "A registry's Retry-After on a server error is dropped, so renewals hammer a registry that asked to be left alone.",
    file: 'src/acr/protocol.ts',
    find: "const retryAfter = response.headers.get('retry-after');",
    replace: "const retryAfter = response.headers.get('x-ms-retry-after');",
    caughtBy: unit('failures'),
  },
  {
    id: 'token-in-error-message',
    breaks: 'Server text put into an error is no longer cleaned, so a token the registry echoes ends up in notifications and the log.',
    file: 'src/acr/errors.ts',
    find: 'details.detail === undefined ? undefined : withoutSecrets(details.detail)',
    replace: 'details.detail',
    caughtBy: unit('failures'),
  },
  {
    id: 'url-password-in-message',
    breaks: 'A refused URL is quoted with its userinfo, so a password typed into a login server shows up in the error and the log.',
    file: 'src/acr/loginServer.ts',
    find: ".replace(/\\/\\/.*@/, '//<userinfo>@')",
    replace: '',
    caughtBy: unit('acrLoginServer'),
  },
  {
    id: 'suffix-without-dot',
    breaks: 'The cloud suffix is matched without its leading dot, so a host such as attackerazurecr.io, which anyone can register, receives Entra tokens.',
    file: 'src/acr/loginServer.ts',
    find: 'const anchoredSuffix = `.${suffix}`;',
    replace: 'const anchoredSuffix = suffix;',
    caughtBy: unit('acrLoginServer'),
  },
  {
    id: 'realm-host-unchecked',
    breaks: "The challenge's realm is used without checking its host, so a registry can send the user's Entra token to any server it names.",
    file: 'src/acr/protocol.ts',
    find: 'return { realm: check(challenge.realm), service: challenge.service };',
    replace: 'return { realm: new URL(challenge.realm), service: challenge.service };',
    caughtBy: component('acrTokenClient'),
  },
  {
    id: 'next-link-to-other-port',
    breaks: 'A Link header is followed to the same host name on another port or over plain HTTP, and the access token goes with it.',
    file: 'src/acr/link.ts',
    find: 'if (url.origin !== new URL(registryOrigin).origin) return undefined;',
    replace: 'if (url.hostname !== new URL(registryOrigin).hostname) return undefined;',
    caughtBy: unit('acrLink'),
  },
  {
    id: 'jwt-exp-read-as-ms',
    breaks: "A token's exp is read as milliseconds, so every fresh token looks expired in 1970 and nothing signs in.",
    file: 'src/acr/jwt.ts',
    find: 'return exp * 1000;',
    replace: 'return exp;',
    caughtBy: unit('acrJwt'),
  },
  {
    id: 'single-flight-not-shared',
    breaks: 'Concurrent callers each start their own exchange, so a tree of many registries sends Entra and the registry one request per caller.',
    file: 'src/acr/singleFlight.ts',
    find: 'const flight = this.flights.get(key) ?? this.start(key, operation);',
    replace: 'const flight = this.start(key, operation);',
    caughtBy: unit('acrSingleFlight'),
  },
  {
    id: 'one-cancel-aborts-all',
    breaks: 'One caller cancelling aborts the shared request, so closing one progress notification fails every other sign-in waiting on it.',
    file: 'src/acr/singleFlight.ts',
    find: 'if (flight.waiters === 0) flight.controller.abort(signal?.reason);',
    replace: 'flight.controller.abort(signal?.reason);',
    caughtBy: unit('acrSingleFlight'),
  },
  {
    id: 'retry-after-429-ignored',
    breaks: "A 429 is retried at once instead of after its Retry-After, so a throttled registry is hit again while it asked for a pause.",
    file: 'src/acr/http.ts',
    find: 'await sleep(waitSeconds * 1000, undefined, { signal });',
    replace: 'await sleep(0, undefined, { signal });',
    caughtBy: component('acrTokenClient'),
  },
  {
    id: 'catalog-page-one-too-many',
    breaks: 'The catalog is asked for one repository more than the page size, so pages overlap the setting and the tree shows more than asked for.',
    file: 'src/acr/registryContent.ts',
    find: 'query({ n: page.pageSize, last: page.after })',
    replace: 'query({ n: page.pageSize + 1, last: page.after })',
    caughtBy: component('registryContent'),
  },
  {
    id: 'seek-skips-exact-prefix',
    breaks: "Find Repository seeks to `last` = the prefix itself, so the repository named exactly as typed is skipped.",
    file: 'src/acr/registryContent.ts',
    find: 'lower.charCodeAt(lower.length - 1) - 1',
    replace: 'lower.charCodeAt(lower.length - 1)',
    caughtBy: unit('acrLink'),
  },
  {
    id: 'wildcard-scope-accepted',
    breaks: 'A repository name with a wildcard is put into an access token scope, asking the registry for more than the user could list exactly.',
    file: 'src/acr/accessTokenScopes.ts',
    find: 'if (problem) throw new AccessTokenRequestError(problem);',
    replace: "if (problem && !name.includes('*')) throw new AccessTokenRequestError(problem);",
    caughtBy: unit('accessTokenScopes'),
  },
  {
    id: 'null-guid-changed',
    breaks: 'The user name that marks an ACR token is no longer the null GUID, so docker login with the token is refused and our own entries are not recognized.',
    file: 'src/acr/tokenClient.ts',
    find: "export const acrTokenUsername = '00000000-0000-0000-0000-000000000000';",
    replace: "export const acrTokenUsername = '00000000-0000-0000-0000-000000000001';",
    caughtBy: unit('accessTokenGuide'),
  },
  {
    id: 'failures-imported-into-acr',
    breaks: 'src/acr/ takes a type from failures.ts, a layer above it, so the plain ACR code can no longer be read or reused apart from the UI advice.',
    file: 'src/acr/accessTokenScopes.ts',
    find: "import type { ActionableFailure } from '../actionableFailure';",
    replace: "import type { ActionableFailure } from '../failures';",
    caughtBy: { tier: 'static', words: [] },
  },
  {
    id: 'config-lock-per-process',
    breaks: 'Each process takes a config.json lock of its own name, so two VS Code windows write the docker config at the same time and one loses its entry.',
    file: 'src/docker/config.ts',
    find: 'const lockPath = `${target}.lock`;',
    replace: 'const lockPath = `${target}.${process.pid}.lock`;',
    caughtBy: unit('dockerConfigLock'),
  },
  {
    id: 'config-not-read-before-swap',
    breaks: 'config.json is not read again just before ours goes in, so a docker login saved meanwhile is lost where there is no atomic swap, and missing for a moment where there is.',
    file: 'src/docker/config.ts',
    find: '    // Synchronous from here on: nothing of this process runs between the look and the swap.\n    const current = readConfigTextNow(target, file);\n    if (current !== expected) return current;\n',
    replace: '',
    caughtBy: unit('dockerConfigWithoutSwap'),
  },
  {
    id: 'unparsable-config-overwritten',
    breaks: "A config.json that is not valid JSON is read as empty and then written over, destroying the user's other registries and settings.",
    file: 'src/docker/config.ts',
    find: "throw new DockerConfigError(file, l10n.t('it is not valid JSON ({0}). Fix the syntax, or move the file away to start afresh.', (error as Error).message));",
    replace: 'return {};',
    caughtBy: unit('dockerConfig'),
  },
  {
    id: 'config-mode-0644',
    breaks: "config.json is written readable by every user of the machine, exposing the registry credentials in it.",
    file: 'src/docker/config.ts',
    find: "open(temp, 'wx', 0o600)",
    replace: "open(temp, 'wx', 0o644)",
    caughtBy: unit('dockerConfig'),
  },
  {
    id: 'erase-ignores-secret',
    breaks: "Log out erases any entry with the null GUID user name, so the user's own az acr login credential is deleted.",
    file: 'src/docker/credentials.ts',
    find: 'return stored.username === credential.username && (credential.secret === undefined || stored.secret === credential.secret);',
    replace: 'return stored.username === credential.username;',
    caughtBy: unit('dockerConfig'),
  },
  {
    id: 'renewal-overwrites-their-login',
    breaks: "A renewal replaces a stored credential whenever its user name matches, so the user's own docker login with the null GUID is overwritten.",
    file: 'src/docker/credentials.ts',
    find: 'if (stored && !isSame(stored, replacing)) return { result: undefined };',
    replace: 'if (stored && stored.username !== replacing.username) return { result: undefined };',
    caughtBy: component('dockerHandoff'),
  },
  {
    id: 'stored-before-engine-check',
    breaks: 'The credential is saved before the engine has checked it with the registry, so a refused token is left in the docker config.',
    file: 'src/docker/handoff.ts',
    find: [
      '  await checkDockerAuth(engine, credential, options.signal, options.checkTimeoutMs);',
      '  if (!options.persist) return { persisted: false };',
      '  const storedIn = await storeDockerCredential(credential, environment, options.replacing);',
    ].join('\n'),
    replace: [
      '  if (!options.persist) return { persisted: false };',
      '  const storedIn = await storeDockerCredential(credential, environment, options.replacing);',
      '  await checkDockerAuth(engine, credential, options.signal, options.checkTimeoutMs);',
    ].join('\n'),
    caughtBy: component('dockerHandoff'),
  },
  {
    id: 'lock-file-not-exclusive',
    breaks: 'Lock files are opened without O_EXCL, so every window that asks gets the lock and they write and renew at once.',
    file: 'src/docker/lockFile.ts',
    find: "handle = await io.fs.open(path, 'wx', 0o600);",
    replace: "handle = await io.fs.open(path, 'w', 0o600);",
    caughtBy: unit('lockFile'),
  },
  {
    id: 'future-lock-held-forever',
    breaks: 'A lock dated in the future (a clock set back) is never stale, so Docker logins and renewals wait on it until that date.',
    file: 'src/docker/lockFile.ts',
    find: 'return Math.abs(now - since) >= staleMs;',
    replace: 'return now - since >= staleMs;',
    caughtBy: unit('lockFile'),
  },
  {
    id: 'renewal-lock-skipped',
    breaks: 'Renewals run without the shared renewal lock, so every open VS Code window renews the same registry.',
    file: 'src/status/refreshScheduler.ts',
    find: 'return await this.options.lock.acquire(loginServer);',
    replace: 'return none;',
    caughtBy: component('refreshScheduler'),
  },
  {
    id: 'waiting-renewal-takes-up-login',
    breaks: "A window whose renewal is waiting its turn takes another window's renewed login into its memory, so the record under the lock looks old and the registry is renewed twice.",
    file: 'src/status/refreshScheduler.ts',
    find: "if (entry.health.kind !== 'renewing') Object.assign(entry, { login, health: { kind: 'ok' }, jitter: this.random(), notBefore: undefined });",
    replace: "if (entry.health.kind !== 'renewing') Object.assign(entry, { login, health: { kind: 'ok' }, jitter: this.random(), notBefore: undefined });\n        else entry.login = login;",
    caughtBy: component('refreshScheduler'),
  },
  {
    id: 'renewal-after-exp',
    breaks: 'Renewals are planned a lead time after exp instead of before it, so Docker pulls fail with an expired token before each renewal.',
    file: 'src/status/refreshScheduler.ts',
    find: 'due = entry.login.expiresOn - settings.leadTimeMs - entry.jitter * jitterWindow;',
    replace: 'due = entry.login.expiresOn + settings.leadTimeMs - entry.jitter * jitterWindow;',
    caughtBy: component('refreshScheduler'),
  },
  {
    id: 'retry-after-ignored-by-scheduler',
    breaks: "A failed renewal is retried on the backoff alone, sooner than the registry's Retry-After asked.",
    file: 'src/status/refreshScheduler.ts',
    find: 'const delay = Math.max(backoff, (advice.retryAfterSeconds ?? 0) * 1000);',
    replace: 'const delay = backoff;',
    caughtBy: component('refreshScheduler'),
  },
  {
    id: 'second-device-code',
    breaks: 'A second sign-in started while one waits for the person asks for a code of its own: two codes on screen, and approving one is not enough.',
    file: 'src/auth/userSignIn.ts',
    find: 'this.interactive ??= this.signInInteractively(',
    replace: 'this.interactive = this.signInInteractively(',
    caughtBy: component('userSignIn'),
  },
  {
    id: 'other-tenant-gets-home-token',
    breaks: "A token for another tenant is served from the home tenant's cache, so registries and subscriptions of that tenant refuse it.",
    file: 'src/auth/userSignIn.ts',
    find: 'const inTenant = isMultiTenant(tenant) ? account : { ...account, tenantId: tenant };',
    replace: 'const inTenant = account;',
    caughtBy: component('userSignIn'),
  },
  {
    id: 'one-tenant-hides-all',
    breaks: 'A tenant that wants MFA (or refuses) makes the whole subscription listing fail, so the tree and the pickers show nothing of the other tenants.',
    file: 'src/azure/registries.ts',
    find: 'return { subscriptions: [], failure: { tenantId, tenantName, error } };',
    replace: 'throw error;',
    caughtBy: component('userSignIn'),
  },
  {
    id: 'renewal-lock-without-heartbeat',
    breaks: 'The renewal lock is never kept alive, so a renewal slower than its stale time is taken over by another window and run twice.',
    file: 'src/docker/lockFile.ts',
    find: "options.heartbeatMs === undefined ? () => releaseIfOurs(io, path, content) : keepAlive(io, path, holder, options.heartbeatMs, now)",
    replace: '() => releaseIfOurs(io, path, content)',
    caughtBy: unit('lockFile'),
  },
  {
    id: 'old-logins-imported-again',
    breaks: "The logins of the old Memento value are imported at every start, so a login removed since comes back when a window still on the old version writes that value.",
    file: 'src/auth/registryFiles.ts',
    find: 'if (existsSync(marker)) return;',
    replace: 'if (existsSync(marker) && Date.now() < 0) return;',
    caughtBy: unit('dockerLoginStorage'),
  },
  {
    id: 'entra-token-asked-for-any-host',
    breaks: 'The login server is no longer checked before the Entra token is asked for (while the challenge is answered): a look-alike host makes the extension ask Entra for a registry token it must never use there, and the refusal comes only after the request to that host.',
    file: 'src/acr/tokenClient.ts',
    find: 'assertEntraLoginServer(target, this.options.trust);',
    replace: 'void assertEntraLoginServer;',
    caughtBy: component('acrTokenClient'),
  },
];
