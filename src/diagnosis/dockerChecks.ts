import * as l10n from '@vscode/l10n';
import { readFile } from 'node:fs/promises';
import { jwtExpiresOn } from '../acr/jwt';
import { acrTokenUsername } from '../acr/tokenClient';
import { checkDockerAuth } from '../docker/auth';
import { credentialHelperFor, dockerConfigFile, parseDockerConfig } from '../docker/config';
import { helperGet } from '../docker/credentialHelper';
import { connectDockerEngine } from '../docker/engine';
import { parseServerAddress } from '../docker/references';
import { type Check, type CheckOutcome, failed, passed, type RenewalSummary, skipped } from './diagnosis';

/** How long the engine may take to log in to the registry here; a diagnosis reports rather than waits. */
const engineAuthTimeoutMs = 20_000;
/** wincred keeps at most 2,560 bytes of secret (CRED_MAX_CREDENTIAL_BLOB_SIZE). */
const wincredLimit = 2_560;

/** 9. The engine: where (which endpoint and why), its version, proxy and mirrors, and its own login to the registry (`POST /auth`). */
export const checkEngine: Check = async ({ loginServer, engine, signal }, { refreshToken }) => {
  let connection;
  try {
    connection = await connectDockerEngine(engine);
  } catch (error) {
    return failed(l10n.t('No engine answered.'), (error as Error).message, 'you');
  }
  const { docker, location } = connection;
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<{ HttpsProxy?: string; RegistryConfig?: { Mirrors?: string[] } }>]);
  const seen = [
    l10n.t('{0} ({1}): version {2}, API {3}.', location.host, location.source, version.Version, version.ApiVersion),
    info.HttpsProxy ? l10n.t('Its HTTPS proxy: {0}.', info.HttpsProxy.replace(/\/\/[^@/]*@/, '//')) : l10n.t('No HTTPS proxy.'),
    info.RegistryConfig?.Mirrors?.length ? l10n.t('Mirrors: {0}.', info.RegistryConfig.Mirrors.join(', ')) : l10n.t('No registry mirrors.'),
  ].join(' ');
  if (!refreshToken) return passed(`${seen} ${l10n.t('Its login to the registry was not tried: there is no refresh token (Exchange).')}`);
  try {
    await checkDockerAuth(connection, { serverAddress: loginServer, username: acrTokenUsername, secret: refreshToken.token }, signal, engineAuthTimeoutMs);
  } catch (error) {
    if (signal?.aborted) throw error;
    return failed(seen, (error as Error).message, 'networkAdmin');
  }
  return passed(`${seen} ${l10n.t('The engine logged in to {0} with a fresh refresh token.', loginServer)}`);
};

/**
 * 10. Where `docker` looks for this registry's credential (config file, credsStore/credHelpers), whether the helper
 * answers, and whether what it holds is ours and current. Only facts about the secret are said, never the secret.
 */
export const checkCredentials: Check = async ({ loginServer, engine, ourSecret, now }) => {
  const file = dockerConfigFile(engine);
  const host = parseServerAddress(loginServer);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const config = parseDockerConfig(text, file);
  const helper = credentialHelperFor(config, host);
  const where = helper ? l10n.t('{0} (credential helper docker-credential-{1}, named in {2})', host, helper, file) : l10n.t('{0} in {1}', host, file);
  let stored: { username: string; secret: string } | undefined;
  if (helper) {
    try {
      stored = await helperGet(helper, host, engine.env, engine.platform);
    } catch (error) {
      return failed(l10n.t('Docker looks for {0}.', where), (error as Error).message, 'you');
    }
  } else {
    const auth = config.auths?.[host]?.auth;
    const decoded = auth ? Buffer.from(auth, 'base64').toString() : undefined;
    const colon = decoded?.indexOf(':') ?? -1;
    stored = decoded && colon >= 0 ? { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) } : undefined;
  }
  const seen = l10n.t('Docker looks for {0}.', where);
  if (helper === 'wincred' && ourSecret !== undefined && Buffer.byteLength(ourSecret) > wincredLimit) {
    return failed(seen, l10n.t('The token is {0} bytes, more than the {1} wincred keeps: use another credential store (credsStore) for this registry.', Buffer.byteLength(ourSecret), wincredLimit), 'you');
  }
  if (!stored) {
    if (ourSecret === undefined) return skipped(l10n.t('{0} It holds no credential for this registry, and ACR Access has not logged Docker in to it.', seen));
    return failed(`${seen} ${l10n.t('It holds no credential for this registry.')}`, l10n.t('Run ACR: Log In to Docker for this registry again.'), 'you');
  }
  const isToken = stored.username === acrTokenUsername;
  let expiry = '';
  if (isToken) {
    try {
      const expiresOn = jwtExpiresOn(stored.secret);
      expiry = expiresOn > now() ? l10n.t('valid until {0}', new Date(expiresOn).toISOString()) : l10n.t('expired at {0}', new Date(expiresOn).toISOString());
    } catch {
      expiry = l10n.t('not a token');
    }
  }
  const ours = ourSecret !== undefined && stored.secret === ourSecret;
  const facts = l10n.t('It holds user {0}, a secret of {1} bytes{2}; {3}.', stored.username, Buffer.byteLength(stored.secret), expiry ? `, ${expiry}` : '', ours ? l10n.t('the one ACR Access stored') : l10n.t('not the one ACR Access stored'));
  if (ourSecret !== undefined && !ours) {
    return failed(`${seen} ${facts}`, l10n.t('Another program (or a docker login) replaced the credential ACR Access stored; ACR Access leaves it alone. To use your Azure sign-in again, run ACR: Log In to Docker.'), 'you');
  }
  return passed(`${seen} ${facts}`);
};

/**
 * 11. The renewal schedule's last renewal, its outcome, and the next one; then the last problems ACR Access logged
 * about this registry, each with its time, one line each.
 */
export const checkRenewals: Check = ({ renewal, recentErrors }) => {
  const outcome = renewalOutcome(renewal);
  if (recentErrors === undefined) return outcome;
  if (recentErrors.length === 0) return appended(outcome, l10n.t('Among the last problems ACR Access logged in this window, none names this registry.'));
  const heading = recentErrors.length === 1 ? l10n.t('The last problem ACR Access logged about this registry:') : l10n.t('The last {0} problems ACR Access logged about this registry, oldest first:', recentErrors.length);
  return { ...appended(outcome, heading), details: recentErrors.map(({ at, text }) => `${new Date(at).toISOString()} ${text}`) };
};

function renewalOutcome(renewal: RenewalSummary | undefined): CheckOutcome {
  if (!renewal) return skipped(l10n.t('ACR Access has no Docker login for this registry, so nothing is renewed.'));
  const at = (time: number | undefined) => (time === undefined ? l10n.t('never') : new Date(time).toISOString());
  const seen = l10n.t('Docker logged in at {0}; the credential handed to Docker is valid until {1}; next renewal: {2}.', at(renewal.loggedInAt), at(renewal.expiresOn), at(renewal.nextAt));
  if (renewal.lastFailure) return failed(`${seen} ${l10n.t('The last renewal failed: {0}', renewal.lastFailure)}`, l10n.t('Fix what the failing checks above say; ACR Access then renews by itself, or run ACR: Renew Now.'), 'you');
  return passed(seen);
}

/** The outcome with a sentence added to what it says it saw (or, skipped, why). */
function appended(outcome: CheckOutcome, sentence: string): CheckOutcome {
  return outcome.status === 'skipped' ? { ...outcome, reason: `${outcome.reason} ${sentence}` } : { ...outcome, seen: `${outcome.seen} ${sentence}` };
}
