import { AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError } from '@azure/identity';
import { RestError } from '@azure/core-rest-pipeline';
import { AuthError, ClientAuthError, ClientAuthErrorCodes, ServerError } from '@azure/msal-node';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accessTokenScopes } from '../../src/acr/accessTokenScopes';
import { AcrError, AcrErrorKind, acrErrorMessages, SignInTimeoutError } from '../../src/acr/errors';
import { RegistryResponse } from '../../src/acr/http';
import { failure } from '../../src/acr/protocol';
import { NotSignedInError } from '../../src/auth/errors';
import { createIdentityCredential, IdentitySourceError, parseIdentitySource } from '../../src/auth/identitySources';
import { AdminUserError } from '../../src/azure/adminUser';
import { cloudFromSettings, knownClouds } from '../../src/azure/clouds';
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
/** Shaped like what must never be shown: an ACR refresh token, a docker config `auth`, a client secret. */
const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwdWxsZXIiLCJleHAiOjE4OTM0NTYwMDB9.c2lnbmF0dXJlLW9mLWEtcmVmcmVzaC10b2tlbg';
const dockerAuth = Buffer.from('00000000-0000-0000-0000-000000000000:hunter2-registry-password').toString('base64');
const clientSecret = 'Xq8~secretvalue.fromtheportal_k2';

interface Expected {
  readonly needsUser: boolean;
  readonly nextStep: NextStep;
  readonly kind: string;
}

function assertAdvice(error: unknown, expected: Expected): FailureAdvice {
  const advice = adviceFor(error);
  assert.deepEqual({ needsUser: advice.needsUser, nextStep: advice.nextStep, kind: advice.kind }, expected, `advice for ${String(error)}`);
  assert.ok(advice.message.length > 0);
  assert.equal(errorMessage(error), advice.message);
  for (const secret of [jwt, dockerAuth, clientSecret, dockerAuth.slice(0, 10), jwt.slice(0, 20)]) {
    assert.ok(!advice.message.includes(secret), `the message holds a secret: ${advice.message}`);
  }
  return advice;
}

function response(status: number, message?: string, headers: Record<string, string> = {}): RegistryResponse {
  return { status, headers: new Headers(headers), body: message === undefined ? '' : JSON.stringify({ errors: [{ code: 'DENIED', message }] }), correlationId: 'c0ffee00-0000-4000-8000-000000000001' };
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

describe('failures: who must act, and how', () => {
  describe('ACR errors', () => {
    it('noRole names the right that was missing: deleting, or listing the catalog, in either permission mode', () => {
      const message = (refused: 'delete' | 'catalog', abac: boolean) => new AcrError('noRole', registry, { refused, abac }).message;
      assert.match(message('delete', false), /may not delete.*AcrDelete/);
      assert.match(message('delete', true), /Container Registry Repository Contributor/);
      assert.doesNotMatch(message('delete', true), /AcrDelete/);
      assert.match(message('catalog', true), /Catalog Lister/);
      assert.doesNotMatch(message('catalog', true), /AcrPull/);
      assert.match(message('catalog', false), /by name/);
    });

    const expected: Record<AcrErrorKind, Omit<Expected, 'kind'>> = {
      invalidRegistryName: { needsUser: true, nextStep: 'showLog' },
      hostNotTrusted: { needsUser: true, nextStep: 'changeSettings' },
      notSignedIn: { needsUser: true, nextStep: 'signIn' },
      wrongTenant: { needsUser: true, nextStep: 'signIn' },
      noRole: { needsUser: true, nextStep: 'requestAccess' },
      firewall: { needsUser: true, nextStep: 'fixNetwork' },
      throttled: { needsUser: false, nextStep: 'retry' },
      unavailable: { needsUser: false, nextStep: 'retry' },
      tokenExpired: { needsUser: true, nextStep: 'signIn' },
      credentialsRejected: { needsUser: true, nextStep: 'enterPassword' },
      network: { needsUser: false, nextStep: 'retry' },
      timeout: { needsUser: false, nextStep: 'retry' },
      malformedResponse: { needsUser: false, nextStep: 'retry' },
      notFound: { needsUser: false, nextStep: 'retry' },
    };
    for (const [kind, step] of Object.entries(expected) as [AcrErrorKind, Omit<Expected, 'kind'>][]) {
      it(`${kind}: ${step.needsUser ? 'needs the user' : 'is retried'}, next step ${step.nextStep}, and a token in the detail is not shown`, () => {
        const advice = assertAdvice(new AcrError(kind, registry, { detail: `refused ${jwt} with ${dockerAuth}` }), { ...step, kind: `acr.${kind}` });
        assert.ok(advice.message.startsWith(acrErrorMessages[kind](registry)), advice.message);
      });
    }

    it('hostNotTrusted opens the trusted hosts setting', () => {
      assert.equal(adviceFor(new AcrError('hostNotTrusted', registry)).setting, 'acrAccess.trustedHosts');
      assert.equal(fixActionFor(adviceFor(new AcrError('hostNotTrusted', registry))), 'openSettings');
    });

    it('a refused request is classified from its status and message (docs/protocol.md section 3)', () => {
      assertAdvice(failure(registry, response(401, 'authentication required'), 'password'), { needsUser: true, nextStep: 'enterPassword', kind: 'acr.credentialsRejected' });
      assertAdvice(failure(registry, response(401, 'the token is expired'), 'entra'), { needsUser: true, nextStep: 'signIn', kind: 'acr.tokenExpired' });
      assertAdvice(failure(registry, response(401, 'the token was issued for another tenant'), 'entra'), { needsUser: true, nextStep: 'signIn', kind: 'acr.wrongTenant' });
      assertAdvice(failure(registry, response(403, "client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."), 'entra'), {
        needsUser: true,
        nextStep: 'fixNetwork',
        kind: 'acr.firewall',
      });
      assertAdvice(failure(registry, response(403, 'requested access to the resource is denied'), 'entra'), { needsUser: true, nextStep: 'requestAccess', kind: 'acr.noRole' });
    });

    it('a 503 with Retry-After is retried no sooner than the registry asked', () => {
      const advice = assertAdvice(failure(registry, response(503, 'service unavailable', { 'retry-after': '42' }), 'entra'), { needsUser: false, nextStep: 'retry', kind: 'acr.unavailable' });
      assert.equal(advice.retryAfterSeconds, 42);
      assert.equal(adviceFor(new AcrError('throttled', registry, { retryAfterSeconds: 7 })).retryAfterSeconds, 7);
      assert.equal('retryAfterSeconds' in adviceFor(new AcrError('network', registry)), false);
    });

    describe('no role, by the registry mode (docs/protocol.md section 7)', () => {
      const repositoryRoles = [
        'Container Registry Repository Reader',
        'Container Registry Repository Writer',
        'Container Registry Repository Contributor',
        'Container Registry Repository Catalog Lister',
      ];

      it('on an ABAC registry names the repository roles and not AcrPull or AcrPush', () => {
        const advice = assertAdvice(failure(registry, response(403, 'requested access to the resource is denied'), 'entra', { abac: true }), {
          needsUser: true,
          nextStep: 'requestAccess',
          kind: 'acr.noRole',
        });
        for (const role of repositoryRoles) assert.ok(advice.message.includes(role), `${role} missing from: ${advice.message}`);
        assert.doesNotMatch(advice.message, /AcrPull|AcrPush/);
      });

      it('on an RBAC registry asks for AcrPull or AcrPush and no repository role', () => {
        const advice = adviceFor(new AcrError('noRole', registry, { abac: false }));
        assert.match(advice.message, /AcrPull \(to pull\) or AcrPush \(to push\)/);
        for (const role of repositoryRoles) assert.ok(!advice.message.includes(role), `${role} in: ${advice.message}`);
      });

      it('when the mode is unknown asks for AcrPull, and for the repository roles should the registry use repository permissions', () => {
        const advice = adviceFor(new AcrError('noRole', registry));
        assert.match(advice.message, /AcrPull/);
        assert.match(advice.message, /Container Registry Repository Reader/);
      });
    });
  });

  describe('Docker errors', () => {
    it('a docker config that does not parse is for the user to fix, and its text is not quoted', () => {
      const text = `{"auths":{"${registry}":{"auth":"${dockerAuth}"}, "other": ${dockerAuth}}}`;
      const error = thrown(() => parseDockerConfig(text, '/home/dev/.docker/config.json'));
      assert.ok(error instanceof DockerConfigError);
      const advice = assertAdvice(error, { needsUser: true, nextStep: 'fixDockerConfig', kind: 'docker.configUnreadable' });
      assert.match(advice.message, /config\.json was left untouched: it is not valid JSON/);
    });

    it('a docker config of the wrong shape is for the user to fix', () => {
      const error = thrown(() => parseDockerConfig('{"auths": []}', '/home/dev/.docker/config.json'));
      assertAdvice(error, { needsUser: true, nextStep: 'fixDockerConfig', kind: 'docker.configUnreadable' });
    });

    it('a credential helper that is not installed is for the user to fix', async () => {
      const error = await rejection(helperGet('acr-access-test-missing-helper', registry, process.env));
      assert.ok(error instanceof CredentialHelperError, String(error));
      assertAdvice(error, { needsUser: true, nextStep: 'fixDockerConfig', kind: 'docker.credentialHelperFailed' });
    });

    it('an engine that does not answer asks to start Docker, and is tried again later', async () => {
      const error = await rejection(connectDockerEngine({ env: { DOCKER_HOST: 'unix:///nonexistent/acr-access-test/docker.sock' }, platform: 'linux' }));
      assert.ok(error instanceof DockerEngineUnavailableError, String(error));
      assertAdvice(error, { needsUser: false, nextStep: 'startDocker', kind: 'docker.engineUnavailable' });
    });

    it('credentials the registry refused through the engine need a new sign-in', () => {
      assertAdvice(new RegistryLoginRefusedError(registry, 'unauthorized: authentication required'), { needsUser: true, nextStep: 'signIn', kind: 'docker.loginRefused' });
    });

    it('an engine that cannot reach the registry points at its network and is tried again later', () => {
      assertAdvice(new RegistryUnreachableError(registry, 'dial tcp: lookup contosoapps.azurecr.io: no such host'), { needsUser: false, nextStep: 'fixNetwork', kind: 'docker.registryUnreachable' });
    });

    it('a pull the engine could not finish points to the log, with its message', () => {
      const advice = assertAdvice(new ImagePullError('contosoapps.azurecr.io/hello:v9', 'manifest unknown'), { needsUser: false, nextStep: 'showLog', kind: 'docker.pullFailed' });
      assert.match(advice.message, /manifest unknown/);
    });

    it('a pull the engine stopped reporting on is tried again later, naming the image and how long it waited', () => {
      const advice = assertAdvice(new PullStalledError('contosoapps.azurecr.io/hello:v9', 120), { needsUser: false, nextStep: 'retry', kind: 'docker.pullStalled' });
      assert.match(advice.message, /hello:v9 for 120 s/);
    });

    it('a server address that is not one needs the user', () => {
      assertAdvice(
        thrown(() => parseServerAddress('https://contosoapps.azurecr.io/v2')),
        { needsUser: true, nextStep: 'showLog', kind: 'docker.invalidReference' },
      );
    });
  });

  describe('sign-in and cloud errors', () => {
    it('Entra not answering in time is tried again later, not sent to sign in, when it is why no token could be had', () => {
      const error = new AcrError('notSignedIn', registry, { detail: 'no answer', cause: new SignInTimeoutError(30) });
      const advice = assertAdvice(error, { needsUser: false, nextStep: 'retry', kind: 'azure.entraTimeout' });
      assert.match(advice.message, new RegExp(`${registry}.*did not answer within 30 s`));
      assert.equal(fixActionFor(advice), undefined);
    });

    it('Azure Resource Manager not answering in time is tried again later', () => {
      const advice = assertAdvice(new ArmTimeoutError(60), { needsUser: false, nextStep: 'retry', kind: 'arm.timeout' });
      assert.match(advice.message, /within 60 s/);
    });

    it('a sign-in description that is not valid asks to sign in again, without quoting a secret typed into it', () => {
      const error = thrown(() => parseIdentitySource({ kind: 'clientSecret', tenant, clientId, clientSecret }));
      assert.ok(error instanceof IdentitySourceError);
      assertAdvice(error, { needsUser: true, nextStep: 'signIn', kind: 'auth.signInMethod' });
      assert.equal(fixActionFor(adviceFor(error)), 'signIn');
    });

    it('no Microsoft session in VS Code asks to sign in, as does a registry token that could not be had for want of it', () => {
      const error = new NotSignedInError('Microsoft');
      assertAdvice(error, { needsUser: true, nextStep: 'signIn', kind: 'auth.notSignedIn' });
      const behind = adviceFor(new AcrError('notSignedIn', registry, { cause: error }));
      assert.equal(behind.nextStep, 'signIn');
      assert.match(behind.message, /not signed in to Microsoft in VS Code/);
    });

    it('a service principal whose secret is not stored asks to sign in again', async () => {
      const error = await rejection(createIdentityCredential({ kind: 'clientSecret', tenant, clientId }, knownClouds[0]));
      assertAdvice(error, { needsUser: true, nextStep: 'signIn', kind: 'auth.signInMethod' });
    });

    it('a certificate file that is missing asks to sign in again', async () => {
      const error = await rejection(createIdentityCredential({ kind: 'clientCertificate', tenant, clientId, certificatePath: '/nonexistent/acr-access-test/sp.pem' }, knownClouds[0]));
      assertAdvice(error, { needsUser: true, nextStep: 'signIn', kind: 'auth.signInMethod' });
    });

    it('a broken sign-in method behind a missing Entra token is what the advice is about, naming the registry', () => {
      const cause = thrown(() => parseIdentitySource({ kind: 'workloadIdentity', tokenFilePath: 'relative/token' }));
      const error = new AcrError('notSignedIn', registry, { detail: 'IdentitySourceError for https://containerregistry.azure.net/.default', cause });
      const advice = assertAdvice(error, { needsUser: true, nextStep: 'signIn', kind: 'auth.signInMethod' });
      assert.ok(advice.message.includes(registry), advice.message);
      assert.ok(advice.message.includes((cause as Error).message), advice.message);
    });

    it('an Entra failure that is no error of ours stays notSignedIn', () => {
      const error = new AcrError('notSignedIn', registry, { cause: new CredentialUnavailableError('Azure CLI could not be found') });
      assertAdvice(error, { needsUser: true, nextStep: 'signIn', kind: 'acr.notSignedIn' });
    });

    const cloudCases: [string, () => unknown, string][] = [
      ['an unknown sovereign cloud', () => cloudFromSettings('Mars', undefined, undefined), 'microsoft-sovereign-cloud.environment'],
      [
        'a custom cloud with a plain-HTTP authority',
        () => cloudFromSettings('custom', { activeDirectoryEndpointUrl: 'http://login.example', resourceManagerEndpointUrl: 'https://arm.example' }, { loginServerSuffix: 'azurecr.example' }),
        'microsoft-sovereign-cloud.customEnvironment',
      ],
      [
        'a custom cloud without a login server suffix',
        () => cloudFromSettings('custom', { activeDirectoryEndpointUrl: 'https://login.example', resourceManagerEndpointUrl: 'https://arm.example' }, {}),
        'acrAccess.customCloud',
      ],
    ];
    for (const [name, settle, setting] of cloudCases) {
      it(`${name} is a setting to change, and names which`, () => {
        const advice = assertAdvice(thrown(settle), { needsUser: true, nextStep: 'changeSettings', kind: 'azure.cloudSettings' });
        assert.equal(advice.setting, setting);
        assert.equal(fixActionFor(advice), 'openSettings');
      });
    }
  });

  describe('access tokens and the admin user', () => {
    it('an access token request with a wildcard or no repository needs other input, and says why', () => {
      assertAdvice(thrown(() => accessTokenScopes(['team/*'], ['pull'])), { needsUser: true, nextStep: 'showLog', kind: 'acr.accessTokenRequest' });
      const advice = assertAdvice(thrown(() => accessTokenScopes([], ['pull'])), { needsUser: true, nextStep: 'showLog', kind: 'acr.accessTokenRequest' });
      assert.match(advice.message, /at least one repository/);
    });

    it('a disabled admin user names the command that enables it; a missing role asks for Owner or Contributor', () => {
      const disabled = assertAdvice(new AdminUserError('disabled', registry), { needsUser: true, nextStep: 'showLog', kind: 'arm.adminUserDisabled' });
      assert.match(disabled.message, /Enable Admin User/);
      const noRole = assertAdvice(new AdminUserError('noRole', registry), { needsUser: true, nextStep: 'requestAccess', kind: 'arm.adminUserNoRole' });
      assert.match(noRole.message, /Owner or Contributor/);
    });
  });

  describe('errors from libraries and the unexpected', () => {
    it('@azure/identity: unavailable or refused sign-ins need the user; an Entra outage is retried', () => {
      assertAdvice(new CredentialUnavailableError('AzureCliCredential: Please run az login'), { needsUser: true, nextStep: 'signIn', kind: 'azure.signInUnavailable' });
      assertAdvice(new AuthenticationRequiredError({ scopes: ['https://management.azure.com/.default'] }), { needsUser: true, nextStep: 'signIn', kind: 'azure.signInRequired' });
      assertAdvice(new AuthenticationError(400, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }), {
        needsUser: true,
        nextStep: 'signIn',
        kind: 'azure.signInRefused',
      });
      assertAdvice(new AuthenticationError(503, { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.' }), {
        needsUser: false,
        nextStep: 'retry',
        kind: 'azure.entraUnavailable',
      });
      assertAdvice(new AuthenticationError(429, { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server terminated an operation because it encountered a client request loop.' }), {
        needsUser: false,
        nextStep: 'retry',
        kind: 'azure.entraUnavailable',
      });
    });

    it('an Entra outage behind a missing registry token is retried, not sent to sign in', () => {
      const throttled = new AcrError('notSignedIn', registry, { cause: new AuthenticationError(429, { error: 'temporarily_unavailable', error_description: 'throttled' }) });
      const advice = assertAdvice(throttled, { needsUser: false, nextStep: 'retry', kind: 'azure.entraUnavailable' });
      assert.match(advice.message, new RegExp(registry.replace(/\./g, '\\.')));
      const refused = new AcrError('notSignedIn', registry, { cause: new AuthenticationError(400, { error: 'invalid_grant', error_description: 'refused' }) });
      assertAdvice(refused, { needsUser: true, nextStep: 'signIn', kind: 'acr.notSignedIn' });
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
          assertAdvice(asIdentityThrowsIt(entraAnswered(error, status)), { needsUser: false, nextStep: 'retry', kind: 'azure.entraUnavailable' });
          const behindRegistry = new AcrError('notSignedIn', registry, { cause: asIdentityThrowsIt(entraAnswered(error, status)) });
          const advice = assertAdvice(behindRegistry, { needsUser: false, nextStep: 'retry', kind: 'azure.entraUnavailable' });
          assert.match(advice.message, /unavailable for now/);
        }
      });

      it("a refused client secret or app (invalid_client, unauthorized_client) says the sign-in was refused, also behind a registry's token", () => {
        for (const [error, status] of [['invalid_client', 401], ['unauthorized_client', 403]] as const) {
          assertAdvice(asIdentityThrowsIt(entraAnswered(error, status)), { needsUser: true, nextStep: 'signIn', kind: 'azure.signInRefused' });
          const advice = assertAdvice(new AcrError('notSignedIn', registry, { cause: asIdentityThrowsIt(entraAnswered(error, status)) }), { needsUser: true, nextStep: 'signIn', kind: 'azure.signInRefused' });
          assert.match(advice.message, /check the sign-in method/);
        }
      });

      it('no answer at all (MSAL network_error) is retried as Entra out of reach', () => {
        const unreachable = asIdentityThrowsIt(new ClientAuthError(ClientAuthErrorCodes.networkError, 'c0ffee00-0000-4000-8000-000000000003'));
        assertAdvice(unreachable, { needsUser: false, nextStep: 'retry', kind: 'azure.entraUnreachable' });
        assertAdvice(new AcrError('notSignedIn', registry, { cause: unreachable }), { needsUser: false, nextStep: 'retry', kind: 'azure.entraUnreachable' });
      });

      it("no answer to the first request, for the authority's metadata (MSAL endpoints_resolution_error), is Entra out of reach too", () => {
        // @azure/identity hands this one on as a CredentialUnavailableError with MSAL's message.
        const metadataUnread = new CredentialUnavailableError(new ClientAuthError(ClientAuthErrorCodes.endpointResolutionError, 'c0ffee00-0000-4000-8000-000000000004').message);
        assertAdvice(metadataUnread, { needsUser: false, nextStep: 'retry', kind: 'azure.entraUnreachable' });
        assertAdvice(new AcrError('notSignedIn', registry, { cause: metadataUnread }), { needsUser: false, nextStep: 'retry', kind: 'azure.entraUnreachable' });
        // A sign-in method that cannot be used here still asks for another one.
        assertAdvice(new CredentialUnavailableError('Azure CLI could not be found. Please visit https://aka.ms/azure-cli for installation instructions.'), { needsUser: true, nextStep: 'signIn', kind: 'azure.signInUnavailable' });
      });

      it('other answers (invalid_grant, invalid_request, no code) still ask to sign in again', () => {
        assertAdvice(asIdentityThrowsIt(entraAnswered('invalid_grant', 400)), { needsUser: true, nextStep: 'signIn', kind: 'azure.signInRequired' });
        assertAdvice(new AcrError('notSignedIn', registry, { cause: asIdentityThrowsIt(entraAnswered('invalid_request', 404)) }), { needsUser: true, nextStep: 'signIn', kind: 'acr.notSignedIn' });
        // The code is read only at the start of the message, where MSAL puts it, not from the description.
        const described = new ServerError('invalid_grant', '', 'Error(s): Not Available - Description: the upstream said server_error: retry', undefined, undefined, 400);
        assertAdvice(asIdentityThrowsIt(described), { needsUser: true, nextStep: 'signIn', kind: 'azure.signInRequired' });
      });
    });

    it('Azure Resource Manager: 401 signs in, 403 asks for a role, 429, 5xx and no answer are retried', () => {
      assertAdvice(new RestError('The access token expiry UTC time is earlier than current UTC time.', { statusCode: 401 }), { needsUser: true, nextStep: 'signIn', kind: 'arm.notSignedIn' });
      assertAdvice(new RestError('does not have authorization to perform action', { statusCode: 403 }), { needsUser: true, nextStep: 'requestAccess', kind: 'arm.noRole' });
      assertAdvice(new RestError('Too many requests', { statusCode: 429 }), { needsUser: false, nextStep: 'retry', kind: 'arm.throttled' });
      assertAdvice(new RestError('Internal error', { statusCode: 500 }), { needsUser: false, nextStep: 'retry', kind: 'arm.unavailable' });
      assertAdvice(new RestError('getaddrinfo ENOTFOUND management.azure.com', { code: 'REQUEST_SEND_ERROR' }), { needsUser: false, nextStep: 'retry', kind: 'arm.unavailable' });
      assertAdvice(new RestError(`Bad request ${jwt}`, { statusCode: 400 }), { needsUser: false, nextStep: 'showLog', kind: 'arm.failed' });
    });

    it('an unexpected error is retried with backoff and points to the log, with anything token-like cut out', () => {
      const advice = assertAdvice(new Error(`the answer was ${jwt}`), { needsUser: false, nextStep: 'showLog', kind: 'unexpected' });
      assert.match(advice.message, /the answer was \[token\]/);
      assertAdvice('a string thrown', { needsUser: false, nextStep: 'showLog', kind: 'unexpected' });
      assertAdvice(undefined, { needsUser: false, nextStep: 'showLog', kind: 'unexpected' });
    });

    it('a cancellation is not something to fix', () => {
      const error = new Error('The operation was aborted.');
      error.name = 'AbortError';
      assertAdvice(error, { needsUser: false, nextStep: 'retry', kind: 'cancelled' });
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
      'ImagePullError',
      'AccessTokenRequestError',
      'AdminUserError',
      'PullStalledError',
      'SignInTimeoutError',
      'ArmTimeoutError',
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
