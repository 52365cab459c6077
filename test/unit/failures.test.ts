// The advice for each failure, tested by behaviour: a failure goes in, built the way the product meets it where
// that is practical (a registry's answer through protocol.ts, a request to a local server, an error of the
// SDK's, MSAL's or the engine's kind), and what comes out is checked word for word, with who must act and how.
// The sentences are written here, not read from src/: a changed sentence or next step fails its test.
import { AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError } from '@azure/identity';
import { createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { AuthError, ClientAuthError, ClientAuthErrorCodes, ServerError } from '@azure/msal-node';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { accessTokenScopes } from '../../src/acr/accessTokenScopes';
import { AcrError, AcrErrorKind, SignInTimeoutError } from '../../src/acr/errors';
import { RegistryResponse, RequestLimits, requestRegistry } from '../../src/acr/http';
import { assertPasswordUrl, assertTrustedUrl, loginServerFor } from '../../src/acr/loginServer';
import { failure, tokenFromAnswer } from '../../src/acr/protocol';
import { NotSignedInError, SignInRequiredError } from '../../src/auth/errors';
import { createIdentityCredential, IdentitySourceError, parseIdentitySource } from '../../src/auth/identitySources';
import { AdminUserError } from '../../src/azure/adminUser';
import { cloudFromSettings, knownClouds } from '../../src/azure/clouds';
import { MissingPermissionError } from '../../src/azure/permissions';
import { ArmTimeoutError } from '../../src/azure/registries';
import { parseDockerConfig } from '../../src/docker/config';
import { helperGet } from '../../src/docker/credentialHelper';
import { connectDockerEngine } from '../../src/docker/engine';
import { CredentialHelperError, DockerConfigError, DockerEngineUnavailableError, ImagePullError, PullStalledError, RegistryLoginRefusedError, RegistryUnreachableError } from '../../src/docker/errors';
import { parseServerAddress } from '../../src/docker/references';
import { adviceFor, errorMessage, FailureAdvice, fixActionFor, NextStep } from '../../src/failures';
import { rejection } from '../world/rejection';

const registry = 'contosoapps.azurecr.io';
const tenant = '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001';
const clientId = 'c11e0000-0000-4000-8000-000000000002';
const correlationId = 'c0ffee00-0000-4000-8000-000000000001';
const publicCloud = knownClouds[0];
/** Shaped like what must never be shown: an ACR refresh token, a docker config `auth`, a client secret. */
const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwdWxsZXIiLCJleHAiOjE4OTM0NTYwMDB9.c2lnbmF0dXJlLW9mLWEtcmVmcmVzaC10b2tlbg';
const dockerAuth = Buffer.from('00000000-0000-0000-0000-000000000000:hunter2-registry-password').toString('base64');
const clientSecret = 'Xq8~secretvalue.fromtheportal_k2';

interface Expected {
  readonly kind: string;
  readonly needsUser: boolean;
  readonly nextStep: NextStep;
  /** What the user reads, word for word. */
  readonly message: string;
}

function assertAdvice(error: unknown, expected: Expected): FailureAdvice {
  const advice = adviceFor(error);
  assert.deepEqual({ kind: advice.kind, needsUser: advice.needsUser, nextStep: advice.nextStep, message: advice.message }, expected, `advice for ${String(error)}`);
  assert.equal(errorMessage(error), advice.message);
  assertNoSecret(advice.message);
  return advice;
}

function assertNoSecret(message: string): void {
  for (const secret of [jwt, dockerAuth, clientSecret, dockerAuth.slice(0, 10), jwt.slice(0, 20)]) {
    assert.ok(!message.includes(secret), `the message holds a secret: ${message}`);
  }
}

/** A registry's answer with an ACR error body (`{errors:[{code, message}]}`) when a message is given. */
function response(status: number, message?: string, headers: Record<string, string> = {}): RegistryResponse {
  return { status, headers: new Headers(headers), body: message === undefined ? '' : JSON.stringify({ errors: [{ code: 'DENIED', message }] }), correlationId };
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

/**
 * A registry on this machine, over plain HTTP (requestRegistry is given the URL): `/v2/throttled` answers 429
 * with a Retry-After longer than the client waits for; any other path is never answered.
 */
const localRegistry = createServer((request, answer) => {
  if (request.url === '/v2/throttled') {
    answer.writeHead(429, { 'retry-after': '120', 'x-ms-correlation-request-id': correlationId }).end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'toomanyrequests: retry later' }] }));
  }
});
const limits: RequestLimits = { timeoutMs: 1_000, throttleRetries: 2, maxRetryAfterSeconds: 30 };

function localUrl(path: string): string {
  return `http://127.0.0.1:${(localRegistry.address() as AddressInfo).port}${path}`;
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Each kind of ACR failure, met as the product meets it, and the advice the user is then given. */
const acrFailures: Record<AcrErrorKind, { readonly meet: () => unknown; readonly advice: Expected }> = {
  invalidRegistryName: {
    meet: () => thrown(() => loginServerFor('contoso-apps', publicCloud)),
    advice: {
      kind: 'acr.invalidRegistryName',
      needsUser: true,
      nextStep: 'showLog',
      message:
        '"contoso-apps" is not a registry name or login server. Registry names are 5 to 50 letters and digits, and login servers look like myregistry.azurecr.io. (a registry name has only letters a-z and digits 0-9 (no dots, dashes or spaces))',
    },
  },
  hostNotTrusted: {
    // The check before `GET /v2/` of a login server typed by the user (protocol.ts discoverTokenEndpoint).
    meet: () => thrown(() => assertTrustedUrl('https://contosoapps.example.com/v2/', { cloud: publicCloud }, 'contosoapps.example.com')),
    advice: {
      kind: 'acr.hostNotTrusted',
      needsUser: true,
      nextStep: 'changeSettings',
      message:
        'contosoapps.example.com is not a login server of the configured Azure cloud, and neither Azure Resource Manager nor you have trusted it, so no Azure sign-in token was sent to it. Check the login server; if you trust it, add it to the acrAccess.trustedHosts setting. (refused https://contosoapps.example.com: its host does not end with .azurecr.io)',
    },
  },
  realmNotHttps: {
    // The check of the realm a password login's challenge names (passwordAuth.ts through assertPasswordUrl).
    meet: () => thrown(() => assertPasswordUrl('http://contosoapps.example.com/oauth2/token', 'contosoapps.example.com')),
    advice: {
      kind: 'acr.realmNotHttps',
      needsUser: true,
      nextStep: 'showLog',
      message:
        'Registry contosoapps.example.com asked for the password over plain HTTP, where others on the network could read it, so it was not sent. Registry passwords are sent over HTTPS only. (refused http://contosoapps.example.com)',
    },
  },
  realmElsewhere: {
    meet: () => thrown(() => assertPasswordUrl('https://login.example.net/oauth2/token', 'contosoapps.example.com')),
    advice: {
      kind: 'acr.realmElsewhere',
      needsUser: true,
      nextStep: 'showLog',
      message:
        'Registry contosoapps.example.com asked for the password to be sent to another host, so it was not sent: a registry password goes only to the login server itself. Check the login server. (refused https://login.example.net)',
    },
  },
  notSignedIn: {
    // As tokenClient.ts throws it when the credential gives no token.
    meet: () => new AcrError('notSignedIn', registry, { detail: 'no token for https://containerregistry.azure.net/.default' }),
    advice: {
      kind: 'acr.notSignedIn',
      needsUser: true,
      nextStep: 'signIn',
      message: 'No Azure sign-in token is available for registry contosoapps.azurecr.io. Sign in to Azure, then try again. (no token for https://containerregistry.azure.net/.default)',
    },
  },
  wrongTenant: {
    meet: () => failure(registry, response(401, 'the token was issued for another tenant'), 'entra'),
    advice: {
      kind: 'acr.wrongTenant',
      needsUser: true,
      nextStep: 'signIn',
      message: `Registry contosoapps.azurecr.io belongs to another Microsoft Entra tenant than the account you signed in with. Sign in to the registry's tenant (or pick it), then try again. (HTTP 401: the token was issued for another tenant) Correlation id: ${correlationId}.`,
    },
  },
  noRole: {
    meet: () => failure(registry, response(403, 'requested access to the resource is denied'), 'entra'),
    advice: {
      kind: 'acr.noRole',
      needsUser: true,
      nextStep: 'requestAccess',
      message: `Your account has no role on registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for AcrPull, or for Container Registry Repository Reader on the repositories you need if the registry uses repository permissions (ABAC). Then try again. (HTTP 403: requested access to the resource is denied) Correlation id: ${correlationId}.`,
    },
  },
  firewall: {
    meet: () => failure(registry, response(403, "client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."), 'entra'),
    advice: {
      kind: 'acr.firewall',
      needsUser: true,
      nextStep: 'fixNetwork',
      message: `Registry contosoapps.azurecr.io refused the connection because of its network rules (firewall, or public network access off). Connect from an allowed network, or ask an owner to allow your address. (HTTP 403: client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.) Correlation id: ${correlationId}.`,
    },
  },
  throttled: {
    meet: () => rejection(requestRegistry(registry, localUrl('/v2/throttled'), { method: 'GET' }, limits)),
    advice: {
      kind: 'acr.throttled',
      needsUser: false,
      nextStep: 'retry',
      message: `Registry contosoapps.azurecr.io is throttling requests (too many requests). Wait a minute, then try again. (toomanyrequests: retry later) Correlation id: ${correlationId}.`,
    },
  },
  unavailable: {
    meet: () => failure(registry, response(503, 'service unavailable'), 'entra'),
    advice: {
      kind: 'acr.unavailable',
      needsUser: false,
      nextStep: 'retry',
      message: `Registry contosoapps.azurecr.io is unavailable for now (a server error). Try again in a few minutes. (HTTP 503: service unavailable) Correlation id: ${correlationId}.`,
    },
  },
  tokenExpired: {
    // A registry that quotes the refused token back: it is cut out.
    meet: () => failure(registry, response(401, `the token ${jwt} is expired`), 'entra'),
    advice: {
      kind: 'acr.tokenExpired',
      needsUser: true,
      nextStep: 'signIn',
      message: `Your sign-in for registry contosoapps.azurecr.io has expired or was refused. Sign in again; if this keeps happening, check that this computer's clock is right. (HTTP 401: the token [token] is expired) Correlation id: ${correlationId}.`,
    },
  },
  credentialsRejected: {
    meet: () => failure(registry, response(401, `authentication required for ${dockerAuth}`), 'password'),
    advice: {
      kind: 'acr.credentialsRejected',
      needsUser: true,
      nextStep: 'enterPassword',
      message: `Registry contosoapps.azurecr.io refused the username and password. Check them, or create a new password (admin user or repository token) and try again. (HTTP 401: authentication required for [redacted]) Correlation id: ${correlationId}.`,
    },
  },
  network: {
    meet: async () => rejection(requestRegistry(registry, `http://127.0.0.1:${await closedPort()}/v2/`, { method: 'GET' }, limits)),
    advice: {
      kind: 'acr.network',
      needsUser: false,
      nextStep: 'retry',
      message: 'Could not reach registry contosoapps.azurecr.io (network or TLS failure). Check your connection, proxy and certificates, then try again. (ECONNREFUSED)',
    },
  },
  timeout: {
    meet: () => rejection(requestRegistry(registry, localUrl('/v2/'), { method: 'GET' }, limits)),
    advice: {
      kind: 'acr.timeout',
      needsUser: false,
      nextStep: 'retry',
      message: 'Registry contosoapps.azurecr.io did not answer in time. Check your connection or proxy, then try again. (no answer within 1 s)',
    },
  },
  malformedResponse: {
    meet: () => thrown(() => tokenFromAnswer(registry, { ...response(200), body: '<html>sign in to the proxy</html>' }, 'refresh_token')),
    advice: {
      kind: 'acr.malformedResponse',
      needsUser: false,
      nextStep: 'retry',
      message: `Registry contosoapps.azurecr.io sent an answer this extension cannot read. Try again later; if it persists, check that contosoapps.azurecr.io is an Azure Container Registry. (the answer is not JSON) Correlation id: ${correlationId}.`,
    },
  },
  notFound: {
    // As registryContent.ts throws it for a 404.
    meet: () => new AcrError('notFound', registry, { correlationId, detail: 'GET /v2/hello/manifests/v9' }),
    advice: {
      kind: 'acr.notFound',
      needsUser: false,
      nextStep: 'retry',
      message: `Registry contosoapps.azurecr.io no longer has this repository, tag or image; someone may have deleted it. Refresh to see what is there now. (GET /v2/hello/manifests/v9) Correlation id: ${correlationId}.`,
    },
  },
};

describe('failures: who must act, and how', () => {
  describe('ACR errors', () => {
    before(() => new Promise<void>((resolve) => localRegistry.listen(0, '127.0.0.1', resolve)));
    after(() => {
      localRegistry.closeAllConnections();
      return new Promise<void>((resolve) => localRegistry.close(() => resolve()));
    });

    for (const [kind, { meet, advice }] of Object.entries(acrFailures) as [AcrErrorKind, (typeof acrFailures)[AcrErrorKind]][]) {
      it(`${kind}: ${advice.needsUser ? 'needs the user' : 'is retried'}, next step ${advice.nextStep}, told in the words expected`, async () => {
        assertAdvice(await meet(), advice);
      });
    }

    it('every kind cuts anything token-like out of its detail', () => {
      for (const kind of Object.keys(acrFailures) as AcrErrorKind[]) {
        const { message } = adviceFor(new AcrError(kind, registry, { detail: `refused ${jwt} with ${dockerAuth}` }));
        assert.ok(message.endsWith(' (refused [token] with [redacted])'), message);
        assertNoSecret(message);
      }
    });

    it('hostNotTrusted opens the trusted hosts setting', async () => {
      const advice = adviceFor(await acrFailures.hostNotTrusted.meet());
      assert.equal(advice.setting, 'acrAccess.trustedHosts');
      assert.equal(fixActionFor(advice), 'openSettings');
    });

    it('a throttled or unavailable registry is retried no sooner than it asked (Retry-After)', async () => {
      assert.equal(adviceFor(await acrFailures.throttled.meet()).retryAfterSeconds, 120);
      assert.equal(adviceFor(failure(registry, response(503, 'service unavailable', { 'retry-after': '42' }), 'entra')).retryAfterSeconds, 42);
      assert.equal('retryAfterSeconds' in adviceFor(await acrFailures.network.meet()), false);
    });

    it('an answer of no kind a registry gives is one this extension cannot read', () => {
      assertAdvice(failure(registry, response(404, 'not found'), 'entra'), {
        kind: 'acr.malformedResponse',
        needsUser: false,
        nextStep: 'retry',
        message: `Registry contosoapps.azurecr.io sent an answer this extension cannot read. Try again later; if it persists, check that contosoapps.azurecr.io is an Azure Container Registry. (unexpected HTTP 404: not found) Correlation id: ${correlationId}.`,
      });
    });

    describe('no role, by the registry mode and the right that was missing (docs/protocol.md sections 7 and 8)', () => {
      const noRole = (message: string): Expected => ({ kind: 'acr.noRole', needsUser: true, nextStep: 'requestAccess', message });
      const denied = response(403, 'requested access to the resource is denied');

      it('on an ABAC registry names the repository roles, not AcrPull or AcrPush', () => {
        assertAdvice(
          failure(registry, denied, 'entra', { abac: true }),
          noRole(
            `Your account has no role on registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for Container Registry Repository Reader on the repositories you need. Then try again. (HTTP 403: requested access to the resource is denied) Correlation id: ${correlationId}.`,
          ),
        );
      });

      it('on an RBAC registry asks for AcrPull and no repository role', () => {
        assertAdvice(
          failure(registry, denied, 'entra', { abac: false }),
          noRole(`Your account has no role on registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for AcrPull. Then try again. (HTTP 403: requested access to the resource is denied) Correlation id: ${correlationId}.`),
        );
      });

      // As registryContent.ts throws them: a token that does not grant the scope asked for.
      it('deleting names AcrDelete, or Repository Contributor on the repository on an ABAC registry', () => {
        const refusedDelete = (abac: boolean) => new AcrError('noRole', registry, { abac, refused: 'delete', repository: 'hello', detail: 'DELETE /acr/v1/hello needs repository:hello:delete' });
        assertAdvice(
          refusedDelete(false),
          noRole('Your account may not delete in registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for AcrDelete. (DELETE /acr/v1/hello needs repository:hello:delete)'),
        );
        assertAdvice(
          refusedDelete(true),
          noRole(
            'Your account may not delete in registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for Container Registry Repository Contributor on repository hello. (DELETE /acr/v1/hello needs repository:hello:delete)',
          ),
        );
      });

      it('reading one repository names that repository, not "no role on registry"', () => {
        assertAdvice(
          new AcrError('noRole', registry, { abac: true, refused: 'read', repository: 'team-b/reports', detail: 'GET /acr/v1/team-b/reports/_tags needs repository:team-b/reports:pull' }),
          noRole(
            'Your account may not read repository team-b/reports of registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for Container Registry Repository Reader on repository team-b/reports. (GET /acr/v1/team-b/reports/_tags needs repository:team-b/reports:pull)',
          ),
        );
      });

      it('tells a reader who may assign roles on the registry to assign the role themselves', () => {
        assertAdvice(
          new AcrError('noRole', registry, { abac: true, mayAssignRoles: true, refused: 'catalog', detail: 'GET /v2/_catalog needs registry:catalog:*' }),
          noRole(
            'Your account may not list the repositories of registry contosoapps.azurecr.io. You may assign roles on registry contosoapps.azurecr.io: assign yourself Container Registry Repository Catalog Lister there. Meanwhile, open a repository you know by name. (GET /v2/_catalog needs registry:catalog:*)',
          ),
        );
      });

      it('listing the catalog names Catalog Lister on an ABAC registry, and offers opening a repository by name', () => {
        const refusedCatalog = (abac: boolean) => new AcrError('noRole', registry, { abac, refused: 'catalog', detail: 'GET /v2/_catalog needs registry:catalog:*' });
        assertAdvice(
          refusedCatalog(false),
          noRole(
            'Your account may not list the repositories of registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for AcrPull. Meanwhile, open a repository you know by name. (GET /v2/_catalog needs registry:catalog:*)',
          ),
        );
        assertAdvice(
          refusedCatalog(true),
          noRole(
            'Your account may not list the repositories of registry contosoapps.azurecr.io. Ask an owner of registry contosoapps.azurecr.io for Container Registry Repository Catalog Lister. Meanwhile, open a repository you know by name. (GET /v2/_catalog needs registry:catalog:*)',
          ),
        );
      });
    });
  });

  describe('Docker errors', () => {
    it('a docker config that does not parse is for the user to fix, and its text is not quoted', () => {
      const text = `{"auths":{"${registry}":{"auth":"${dockerAuth}"}, "other": ${dockerAuth}}}`;
      const error = thrown(() => parseDockerConfig(text, '/home/dev/.docker/config.json'));
      assert.ok(error instanceof DockerConfigError);
      assertAdvice(error, {
        kind: 'docker.configUnreadable',
        needsUser: true,
        nextStep: 'fixDockerConfig',
        message: "/home/dev/.docker/config.json was left untouched: it is not valid JSON (Unexpected token 'M'). Fix the syntax, or move the file away to start afresh.",
      });
    });

    it('a docker config of the wrong shape is for the user to fix', () => {
      assertAdvice(thrown(() => parseDockerConfig('{"auths": []}', '/home/dev/.docker/config.json')), {
        kind: 'docker.configUnreadable',
        needsUser: true,
        nextStep: 'fixDockerConfig',
        message: '/home/dev/.docker/config.json was left untouched: "auths" must be an object keyed by registry host, not an array. Fix it, or move the file away to start afresh.',
      });
    });

    it('a credential helper that is not installed is for the user to fix', async () => {
      const error = await rejection(helperGet('acr-access-test-missing-helper', registry, process.env));
      assert.ok(error instanceof CredentialHelperError, String(error));
      assertAdvice(error, {
        kind: 'docker.credentialHelperFailed',
        needsUser: true,
        nextStep: 'fixDockerConfig',
        message:
          'docker-credential-acr-access-test-missing-helper get failed: docker-credential-acr-access-test-missing-helper is not on PATH, but the docker config names "acr-access-test-missing-helper" as credential helper (credsStore or credHelpers). Install docker-credential-acr-access-test-missing-helper, or remove that setting.',
      });
    });

    it('an engine that does not answer asks to start Docker, and is tried again later', async () => {
      const error = await rejection(connectDockerEngine({ env: { DOCKER_HOST: 'unix:///nonexistent/acr-access-test/docker.sock' }, platform: 'linux' }));
      assert.ok(error instanceof DockerEngineUnavailableError, String(error));
      assertAdvice(error, {
        kind: 'docker.engineUnavailable',
        needsUser: false,
        nextStep: 'startDocker',
        message:
          'Cannot reach the Docker engine at unix:///nonexistent/acr-access-test/docker.sock (nothing is listening there). Looked at: DOCKER_HOST=unix:///nonexistent/acr-access-test/docker.sock. Start Docker: `sudo systemctl start docker`. Or point DOCKER_HOST or `docker context use` at a running engine.',
      });
    });

    // The engine's own words, as docker/auth.ts and docker/pull.ts hand them on.
    it('credentials the registry refused through the engine need a new sign-in', () => {
      assertAdvice(new RegistryLoginRefusedError(registry, 'unauthorized: authentication required'), {
        kind: 'docker.loginRefused',
        needsUser: true,
        nextStep: 'signIn',
        message: 'contosoapps.azurecr.io refused the credentials: unauthorized: authentication required. Sign in again, or check that your account has a role on this registry.',
      });
    });

    it('an engine that cannot reach the registry points at its network and is tried again later', () => {
      assertAdvice(new RegistryUnreachableError(registry, 'dial tcp: lookup contosoapps.azurecr.io: no such host'), {
        kind: 'docker.registryUnreachable',
        needsUser: false,
        nextStep: 'fixNetwork',
        message: "The Docker engine could not log in to contosoapps.azurecr.io: dial tcp: lookup contosoapps.azurecr.io: no such host. Check the engine's network, proxy and TLS settings for this registry.",
      });
    });

    it('a pull the engine could not finish points to the log, with its message', () => {
      assertAdvice(new ImagePullError('contosoapps.azurecr.io/hello:v9', 'manifest unknown'), {
        kind: 'docker.pullFailed',
        needsUser: false,
        nextStep: 'showLog',
        message: 'Docker could not pull contosoapps.azurecr.io/hello:v9: manifest unknown',
      });
    });

    it('a pull the engine stopped reporting on is tried again later, naming the image and how long it waited', () => {
      assertAdvice(new PullStalledError('contosoapps.azurecr.io/hello:v9', 120), {
        kind: 'docker.pullStalled',
        needsUser: false,
        nextStep: 'retry',
        message:
          'Docker reported no progress pulling contosoapps.azurecr.io/hello:v9 for 120 s, so the pull was stopped: the registry or the engine is not answering. Try again later; if it keeps happening, check the engine with `docker info`.',
      });
    });

    it('a server address that is not one needs the user', () => {
      assertAdvice(thrown(() => parseServerAddress('https://contosoapps.azurecr.io/v2')), {
        kind: 'docker.invalidReference',
        needsUser: true,
        nextStep: 'showLog',
        message: '"https://contosoapps.azurecr.io/v2" is not a registry server address: leave out the scheme (https://). Give it as host or host:port, e.g. myregistry.azurecr.io.',
      });
    });
  });

  describe('sign-in and cloud errors', () => {
    it('Entra not answering in time is tried again later, not sent to sign in, when it is why no token could be had', () => {
      const advice = assertAdvice(new AcrError('notSignedIn', registry, { detail: 'no answer', cause: new SignInTimeoutError(30) }), {
        kind: 'azure.entraTimeout',
        needsUser: false,
        nextStep: 'retry',
        message: 'Could not get an Azure sign-in token for registry contosoapps.azurecr.io. Microsoft Entra ID did not answer within 30 s. Check your connection or proxy, then try again.',
      });
      assert.equal(fixActionFor(advice), undefined);
    });

    it('Azure Resource Manager not answering in time is tried again later', () => {
      assertAdvice(new ArmTimeoutError(60), {
        kind: 'arm.timeout',
        needsUser: false,
        nextStep: 'retry',
        message: 'Azure Resource Manager did not answer within 60 s. Check your connection or proxy, then try again.',
      });
    });

    it('a sign-in description that is not valid asks to sign in again, without quoting a secret typed into it', () => {
      const error = thrown(() => parseIdentitySource({ kind: 'clientSecret', tenant, clientId, clientSecret }));
      assert.ok(error instanceof IdentitySourceError);
      const advice = assertAdvice(error, {
        kind: 'auth.signInMethod',
        needsUser: true,
        nextStep: 'signIn',
        message: 'The sign-in description must not hold a secret ("clientSecret"). Remove it; the secret is kept in VS Code\'s secret storage and asked for at sign-in.',
      });
      assert.equal(fixActionFor(advice), 'signIn');
    });

    it('no Microsoft session in VS Code asks to sign in, as does a registry token that could not be had for want of it', () => {
      const error = new NotSignedInError('Microsoft');
      const notSignedIn = 'You are not signed in to Microsoft in VS Code. Sign in again (ACR: Sign In, or the Accounts menu).';
      assertAdvice(error, { kind: 'auth.notSignedIn', needsUser: true, nextStep: 'signIn', message: notSignedIn });
      assertAdvice(new AcrError('notSignedIn', registry, { cause: error }), {
        kind: 'auth.notSignedIn',
        needsUser: true,
        nextStep: 'signIn',
        message: `Could not get an Azure sign-in token for registry contosoapps.azurecr.io. ${notSignedIn}`,
      });
    });

    it('a device code or browser sign-in that Entra wants back, or that was never made, asks the person to sign in again', () => {
      const wanted = new SignInRequiredError('device code', 'alice@contoso.example', 'interaction_required');
      const wantedText = 'Microsoft Entra ID wants alice@contoso.example to sign in again with the device code sign-in (interaction_required). Choose Sign In Again; nothing opens until you do.';
      assertAdvice(wanted, { kind: 'auth.signInRequired', needsUser: true, nextStep: 'signIn', message: wantedText });
      assertAdvice(new AcrError('notSignedIn', registry, { cause: wanted }), {
        kind: 'auth.signInRequired',
        needsUser: true,
        nextStep: 'signIn',
        message: `Could not get an Azure sign-in token for registry contosoapps.azurecr.io. ${wantedText}`,
      });
      assertAdvice(new SignInRequiredError('browser'), { kind: 'auth.signInRequired', needsUser: true, nextStep: 'signIn', message: 'Sign in with the browser sign-in first: run ACR: Sign In.' });
    });

    it('a service principal whose secret is not stored asks to sign in again', async () => {
      assertAdvice(await rejection(createIdentityCredential({ kind: 'clientSecret', tenant, clientId }, publicCloud)), {
        kind: 'auth.signInMethod',
        needsUser: true,
        nextStep: 'signIn',
        message: 'No client secret is stored for the service principal c11e0000-0000-4000-8000-000000000002. Sign in with this service principal again and enter its secret.',
      });
    });

    it('a certificate file that is missing asks to sign in again', async () => {
      assertAdvice(await rejection(createIdentityCredential({ kind: 'clientCertificate', tenant, clientId, certificatePath: '/nonexistent/acr-access-test/sp.pem' }, publicCloud)), {
        kind: 'auth.signInMethod',
        needsUser: true,
        nextStep: 'signIn',
        message: 'The certificate file /nonexistent/acr-access-test/sp.pem does not exist. Check the path in the sign-in settings.',
      });
    });

    it('a broken sign-in method behind a missing Entra token is what the advice is about, naming the registry', () => {
      const cause = thrown(() => parseIdentitySource({ kind: 'workloadIdentity', tokenFilePath: 'relative/token' }));
      assertAdvice(new AcrError('notSignedIn', registry, { detail: 'IdentitySourceError for https://containerregistry.azure.net/.default', cause }), {
        kind: 'auth.signInMethod',
        needsUser: true,
        nextStep: 'signIn',
        message:
          'Could not get an Azure sign-in token for registry contosoapps.azurecr.io. The "tokenFilePath" of the workloadIdentity sign-in method is not an absolute path. Enter the absolute path of the federated token file (what AZURE_FEDERATED_TOKEN_FILE names).',
      });
    });

    it('an Entra failure that is no error of ours stays notSignedIn', () => {
      assertAdvice(new AcrError('notSignedIn', registry, { cause: new CredentialUnavailableError('Azure CLI could not be found') }), {
        kind: 'acr.notSignedIn',
        needsUser: true,
        nextStep: 'signIn',
        message: 'No Azure sign-in token is available for registry contosoapps.azurecr.io. Sign in to Azure, then try again.',
      });
    });

    const cloudCases: [string, () => unknown, string, string][] = [
      [
        'an unknown sovereign cloud',
        () => cloudFromSettings('Mars', undefined, undefined),
        'microsoft-sovereign-cloud.environment',
        'The setting microsoft-sovereign-cloud.environment is "Mars"; use ChinaCloud, USGovernment or custom, or remove it for the public cloud.',
      ],
      [
        'a custom cloud with a plain-HTTP authority',
        () => cloudFromSettings('custom', { activeDirectoryEndpointUrl: 'http://login.example', resourceManagerEndpointUrl: 'https://arm.example' }, { loginServerSuffix: 'azurecr.example' }),
        'microsoft-sovereign-cloud.customEnvironment',
        'Set microsoft-sovereign-cloud.customEnvironment.activeDirectoryEndpointUrl to an https:// URL (it is "http://login.example").',
      ],
      [
        'a custom cloud without a login server suffix',
        () => cloudFromSettings('custom', { activeDirectoryEndpointUrl: 'https://login.example', resourceManagerEndpointUrl: 'https://arm.example' }, {}),
        'acrAccess.customCloud',
        'Set acrAccess.customCloud.loginServerSuffix to your cloud\'s registry suffix, such as "azurecr.io".',
      ],
    ];
    for (const [name, settle, setting, message] of cloudCases) {
      it(`${name} is a setting to change, and names which`, () => {
        const advice = assertAdvice(thrown(settle), { kind: 'azure.cloudSettings', needsUser: true, nextStep: 'changeSettings', message });
        assert.equal(advice.setting, setting);
        assert.equal(fixActionFor(advice), 'openSettings');
      });
    }
  });

  describe('access tokens and the admin user', () => {
    it('an access token request with a wildcard or no repository needs other input, and says why', () => {
      const otherInput = (message: string): Expected => ({ kind: 'acr.accessTokenRequest', needsUser: true, nextStep: 'showLog', message });
      assertAdvice(
        thrown(() => accessTokenScopes(['team/*'], ['pull'])),
        otherInput('"team/*" has a wildcard. An access token\'s scopes name each repository exactly, so wildcards cannot be used here: list the repositories one by one (a repository-scoped ACR token with a scope map can cover team/*).'),
      );
      assertAdvice(
        thrown(() => accessTokenScopes([], ['pull'])),
        otherInput('Name at least one repository, such as team/api (several are separated by commas).'),
      );
    });

    it('a disabled admin user names the command that enables it; a missing role asks for Owner or Contributor', () => {
      assertAdvice(new AdminUserError('disabled', registry), {
        kind: 'arm.adminUserDisabled',
        needsUser: true,
        nextStep: 'showLog',
        message: 'The admin user of registry contosoapps.azurecr.io is disabled. Enable it with ACR: Enable Admin User... (it has full access), or create a repository-scoped access token instead.',
      });
      assertAdvice(new AdminUserError('noRole', registry), {
        kind: 'arm.adminUserNoRole',
        needsUser: true,
        nextStep: 'requestAccess',
        message: 'Your account may not manage the admin user of registry contosoapps.azurecr.io: that takes the Owner or Contributor role on the registry. Ask an owner, or create a repository-scoped access token instead.',
      });
    });
  });

  describe('a permission found missing before a command asks anything (src/azure/permissions.ts)', () => {
    it('in ARM: write access, the actions, and Contributor; an Owner is told to assign it', () => {
      const access = { attempt: 'write', plane: 'arm', abac: false, mayAssignRoles: false, scope: 'registry contosoapps' } as const;
      assertAdvice(new MissingPermissionError('Creating tokens in registry contosoapps', ['Microsoft.ContainerRegistry/registries/tokens/write'], access), {
        kind: 'arm.permissionMissing',
        needsUser: true,
        nextStep: 'requestAccess',
        message:
          'Creating tokens in registry contosoapps needs write access (Microsoft.ContainerRegistry/registries/tokens/write), which your account does not have. Ask an owner of registry contosoapps for Contributor.',
      });
      assert.equal(
        adviceFor(new MissingPermissionError('Creating tokens in registry contosoapps', ['Microsoft.ContainerRegistry/registries/tokens/write'], { ...access, mayAssignRoles: true })).message,
        'Creating tokens in registry contosoapps needs write access (Microsoft.ContainerRegistry/registries/tokens/write), which your account does not have. You may assign roles on registry contosoapps: assign yourself Contributor there.',
      );
    });

    it('in the registry: delete access on an ABAC registry names Repository Contributor on the repository', () => {
      const access = { attempt: 'delete', plane: 'data', abac: true, mayAssignRoles: false, scope: 'registry contosoabac', repository: 'team/api' } as const;
      assertAdvice(new MissingPermissionError('Deleting repository team/api', ['repository:team/api:delete'], access), {
        kind: 'acr.permissionMissing',
        needsUser: true,
        nextStep: 'requestAccess',
        message:
          'Deleting repository team/api needs delete access (repository:team/api:delete), which your account does not have. Ask an owner of registry contosoabac for Container Registry Repository Contributor on repository team/api.',
      });
    });
  });

  // The messages below quote the library's error (`quoted`); the sentence around it is what is tested.
  describe('errors from libraries and the unexpected', () => {
    const signInUnavailable = (quoted: string): Expected => ({
      kind: 'azure.signInUnavailable',
      needsUser: true,
      nextStep: 'signIn',
      message: `The sign-in method cannot be used here (${quoted}). Sign in again, or choose another sign-in method.`,
    });
    const signInRequired = (quoted: string): Expected => ({ kind: 'azure.signInRequired', needsUser: true, nextStep: 'signIn', message: `Microsoft Entra ID needs you to sign in again (${quoted}).` });
    const signInRefused = (quoted: string): Expected => ({
      kind: 'azure.signInRefused',
      needsUser: true,
      nextStep: 'signIn',
      message: `Microsoft Entra ID refused the sign-in (${quoted}). Sign in again, or check the sign-in method.`,
    });
    const entraUnavailable = (quoted: string): Expected => ({
      kind: 'azure.entraUnavailable',
      needsUser: false,
      nextStep: 'retry',
      message: `Microsoft Entra ID is unavailable for now (${quoted}). Try again in a few minutes.`,
    });
    const entraUnreachable = (quoted: string): Expected => ({
      kind: 'azure.entraUnreachable',
      needsUser: false,
      nextStep: 'retry',
      message: `Could not reach Microsoft Entra ID (${quoted}). Check your connection, proxy and certificates, then try again.`,
    });
    /** The same advice for a registry's token that could not be had for this reason. */
    const behindRegistry = (expected: Expected): Expected => ({ ...expected, message: `Could not get an Azure sign-in token for registry contosoapps.azurecr.io. ${expected.message}` });
    const registryNotSignedIn: Expected = {
      kind: 'acr.notSignedIn',
      needsUser: true,
      nextStep: 'signIn',
      message: 'No Azure sign-in token is available for registry contosoapps.azurecr.io. Sign in to Azure, then try again.',
    };

    it('@azure/identity: unavailable or refused sign-ins need the user; an Entra outage is retried', () => {
      const unavailable = new CredentialUnavailableError('AzureCliCredential: Please run az login');
      assertAdvice(unavailable, signInUnavailable('AzureCliCredential: Please run az login'));
      const required = new AuthenticationRequiredError({ scopes: ['https://management.azure.com/.default'] });
      assertAdvice(required, signInRequired(''));
      const refused = new AuthenticationError(400, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      assertAdvice(refused, signInRefused('invalid_client Status code: 400 More details: AADSTS7000215: Invalid client secret provided.,'));
      const down = new AuthenticationError(503, { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.' });
      assertAdvice(down, entraUnavailable('temporarily_unavailable Status code: 503 More details: AADSTS90033: A transient error has occurred.,'));
      const throttled = new AuthenticationError(429, { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server terminated an operation because it encountered a client request loop.' });
      assertAdvice(throttled, entraUnavailable('temporarily_unavailable Status code: 429 More details: AADSTS50196: The server terminated an operation because it encountered a client request loop.,'));
    });

    it('an Entra outage behind a missing registry token is retried, not sent to sign in', () => {
      const throttled = new AuthenticationError(429, { error: 'temporarily_unavailable', error_description: 'throttled' });
      assertAdvice(new AcrError('notSignedIn', registry, { cause: throttled }), behindRegistry(entraUnavailable('temporarily_unavailable Status code: 429 More details: throttled,')));
      const refused = new AuthenticationError(400, { error: 'invalid_grant', error_description: 'refused' });
      assertAdvice(new AcrError('notSignedIn', registry, { cause: refused }), registryNotSignedIn);
    });

    describe('a sign-in through MSAL (client secret, certificate), where @azure/identity keeps only the message', () => {
      const scopes = ['https://containerregistry.azure.net/.default'];
      /** As @azure/identity 4.13 hands on an MSAL failure (msal/utils.ts handleMsalError): a new error with MSAL's message alone. */
      const asIdentityThrowsIt = (msalError: AuthError): AuthenticationRequiredError => new AuthenticationRequiredError({ scopes, message: msalError.message });
      /** MSAL's ServerError for a token request Entra answered with an OAuth error, as its ResponseHandler builds it. */
      const entraAnswered = (error: string, status: number): AuthError =>
        new ServerError(error, 'c0ffee00-0000-4000-8000-000000000002', `Error(s): Not Available - Timestamp: 2026-12-02T03:56:36.651Z - Description: status ${status} from Entra. Trace ID: 4457d068 - Correlation ID: c0ffee00 - Trace ID: 4457d068`, undefined, undefined, status);

      it('throttling and server errors (temporarily_unavailable, server_error) are an Entra outage, retried', () => {
        for (const [error, status] of [['temporarily_unavailable', 429], ['server_error', 500], ['temporarily_unavailable', 503]] as const) {
          const outage = asIdentityThrowsIt(entraAnswered(error, status));
          assertAdvice(outage, entraUnavailable(outage.message));
          assertAdvice(new AcrError('notSignedIn', registry, { cause: outage }), behindRegistry(entraUnavailable(outage.message)));
        }
      });

      it("a refused client secret or app (invalid_client, unauthorized_client) says the sign-in was refused, also behind a registry's token", () => {
        for (const [error, status] of [['invalid_client', 401], ['unauthorized_client', 403]] as const) {
          const refused = asIdentityThrowsIt(entraAnswered(error, status));
          assertAdvice(refused, signInRefused(refused.message));
          assertAdvice(new AcrError('notSignedIn', registry, { cause: refused }), behindRegistry(signInRefused(refused.message)));
        }
      });

      it('no answer at all (MSAL network_error) is retried as Entra out of reach', () => {
        const unreachable = asIdentityThrowsIt(new ClientAuthError(ClientAuthErrorCodes.networkError, 'c0ffee00-0000-4000-8000-000000000003'));
        assertAdvice(unreachable, entraUnreachable(unreachable.message));
        assertAdvice(new AcrError('notSignedIn', registry, { cause: unreachable }), behindRegistry(entraUnreachable(unreachable.message)));
      });

      it("no answer to the first request, for the authority's metadata (MSAL endpoints_resolution_error), is Entra out of reach too", () => {
        // @azure/identity hands this one on as a CredentialUnavailableError with MSAL's message.
        const metadataUnread = new CredentialUnavailableError(new ClientAuthError(ClientAuthErrorCodes.endpointResolutionError, 'c0ffee00-0000-4000-8000-000000000004').message);
        assertAdvice(metadataUnread, entraUnreachable(metadataUnread.message));
        assertAdvice(new AcrError('notSignedIn', registry, { cause: metadataUnread }), behindRegistry(entraUnreachable(metadataUnread.message)));
        // A sign-in method that cannot be used here still asks for another one.
        const noCli = new CredentialUnavailableError('Azure CLI could not be found. Please visit https://aka.ms/azure-cli for installation instructions.');
        assertAdvice(noCli, signInUnavailable(noCli.message));
      });

      it('other answers (invalid_grant, invalid_request, no code) still ask to sign in again', () => {
        const invalidGrant = asIdentityThrowsIt(entraAnswered('invalid_grant', 400));
        assertAdvice(invalidGrant, signInRequired(invalidGrant.message));
        assertAdvice(new AcrError('notSignedIn', registry, { cause: asIdentityThrowsIt(entraAnswered('invalid_request', 404)) }), registryNotSignedIn);
        // The code is read only at the start of the message, where MSAL puts it, not from the description.
        const described = asIdentityThrowsIt(new ServerError('invalid_grant', '', 'Error(s): Not Available - Description: the upstream said server_error: retry', undefined, undefined, 400));
        assertAdvice(described, signInRequired(described.message));
      });
    });

    it('Azure Resource Manager: 401 signs in, 403 asks for a role, 429, 5xx and no answer are retried', () => {
      assertAdvice(new RestError('The access token expiry UTC time is earlier than current UTC time.', { statusCode: 401 }), {
        kind: 'arm.notSignedIn',
        needsUser: true,
        nextStep: 'signIn',
        message: 'Azure Resource Manager did not accept your sign-in (The access token expiry UTC time is earlier than current UTC time.). Sign in again.',
      });
      assertAdvice(new RestError('does not have authorization to perform action', { statusCode: 403 }), {
        kind: 'arm.noRole',
        needsUser: true,
        nextStep: 'requestAccess',
        message: 'Your account may not read this in Azure Resource Manager (does not have authorization to perform action). Ask an owner of the subscription or registry for Reader. Or type the login server instead.',
      });
      // A change refused names Contributor on the scope ARM's message gives: the resource id is what an owner needs.
      const scope = '/subscriptions/5eb5c0de-0000-4000-8000-000000000001/resourceGroups/prod-registry-rg/providers/Microsoft.ContainerRegistry/registries/contosoprod';
      const refusedPut = new RestError(`The client 'alice' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/scopeMaps/write' over scope '${scope}' or the scope is invalid.`, {
        statusCode: 403,
        request: createPipelineRequest({ url: `https://management.azure.com${scope}/scopeMaps/ci`, method: 'PUT' }),
      });
      assert.match(adviceFor(refusedPut).message, new RegExp(`^Your account may not change this in Azure Resource Manager \\(.*\\)\\. Ask an owner of ${scope} for Contributor\\.$`));
      assertAdvice(new RestError('Too many requests', { statusCode: 429 }), {
        kind: 'arm.throttled',
        needsUser: false,
        nextStep: 'retry',
        message: 'Azure Resource Manager is throttling requests (Too many requests). Wait a minute, then try again.',
      });
      assertAdvice(new RestError('Internal error', { statusCode: 500 }), {
        kind: 'arm.unavailable',
        needsUser: false,
        nextStep: 'retry',
        message: 'Azure Resource Manager could not be reached or is unavailable (Internal error). Check your connection, then try again.',
      });
      assertAdvice(new RestError('getaddrinfo ENOTFOUND management.azure.com', { code: 'REQUEST_SEND_ERROR' }), {
        kind: 'arm.unavailable',
        needsUser: false,
        nextStep: 'retry',
        message: 'Azure Resource Manager could not be reached or is unavailable (getaddrinfo ENOTFOUND management.azure.com). Check your connection, then try again.',
      });
      assertAdvice(new RestError(`Bad request ${jwt}`, { statusCode: 400 }), { kind: 'arm.failed', needsUser: false, nextStep: 'showLog', message: 'An Azure Resource Manager request failed (Bad request [token]).' });
    });

    it('an unexpected error is retried with backoff and points to the log, with anything token-like cut out', () => {
      const unexpected = (message: string): Expected => ({ kind: 'unexpected', needsUser: false, nextStep: 'showLog', message });
      assertAdvice(new Error(`the answer was ${jwt}`), unexpected('the answer was [token]'));
      assertAdvice('a string thrown', unexpected('a string thrown'));
      assertAdvice(undefined, unexpected('undefined'));
    });

    it('a cancellation is not something to fix', () => {
      const error = new Error('The operation was aborted.');
      error.name = 'AbortError';
      assertAdvice(error, { kind: 'cancelled', needsUser: false, nextStep: 'retry', message: 'Cancelled.' });
    });
  });

  it('the button next to Show Log: Sign In for signIn and enterPassword, Open Settings for changeSettings, none otherwise', () => {
    const steps: Record<NextStep, ReturnType<typeof fixActionFor>> = {
      retry: undefined,
      signIn: 'signIn',
      enterPassword: 'signIn',
      requestAccess: undefined,
      changeSettings: 'openSettings',
      fixNetwork: undefined,
      startDocker: undefined,
      fixDockerConfig: undefined,
      showLog: undefined,
    };
    for (const [nextStep, action] of Object.entries(steps) as [NextStep, ReturnType<typeof fixActionFor>][]) {
      assert.equal(fixActionFor({ message: '', needsUser: true, nextStep, kind: 'test' }), action, nextStep);
    }
  });

  it('every error class in src/ is one whose advice is tested here (or one always wrapped in an AcrError)', async () => {
    const covered = new Set([
      'AcrError',
      'DockerEngineUnavailableError',
      'RegistryLoginRefusedError',
      'RegistryUnreachableError',
      'DockerConfigError',
      'CredentialHelperError',
      'InvalidReferenceError',
      'IdentitySourceError',
      'CloudSettingsError',
      'NotSignedInError',
      'SignInRequiredError',
      'ImagePullError',
      'AccessTokenRequestError',
      'AdminUserError',
      'PullStalledError',
      'SignInTimeoutError',
      'ArmTimeoutError',
      'MissingPermissionError',
    ]);
    // Parsing failures that protocol.ts turns into malformedResponse before anyone sees them.
    const wrapped = new Set(['ChallengeError', 'JwtError']);
    const source = join(__dirname, '..', '..', 'src');
    const files = (await readdir(source, { recursive: true })).filter((file) => file.endsWith('.ts'));
    const found: string[] = [];
    for (const file of files) {
      for (const match of (await readFile(join(source, file), 'utf8')).matchAll(/class (\w+) extends Error\b/g)) found.push(match[1]);
    }
    assert.ok(found.length >= covered.size, `found only ${found.join(', ')}`);
    const untested = found.filter((name) => !covered.has(name) && !wrapped.has(name));
    assert.deepEqual(untested, [], 'error classes whose advice no test checks');
  });
});
