import assert from 'node:assert/strict';
import { AddressInfo, createServer } from 'node:net';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { AzureCloud } from '../../src/azure/clouds';
import { AcrError, AcrErrorKind, acrErrorMessages } from '../../src/acr/errors';
import { HostTrust } from '../../src/acr/loginServer';
import { accessTokenWithPassword, checkPasswordCredentials } from '../../src/acr/passwordAuth';
import { RequestLimits } from '../../src/acr/http';
import { AcrTokenClient, Audience, AudienceStore, EntraRegistryTarget } from '../../src/acr/tokenClient';
import { FaultSpec, LogEntry } from '../world/emulator';
import { eventually } from '../world/eventually';
import { armScope, clients, contoso, decodeClaims, devSubscription, emulatorCloud, entraToken, fabrikam, useEmulator } from './emulatorSupport';

/** The real credential, with every scope it was asked for recorded (to prove when no Entra token was requested). */
class RecordingCredential implements TokenCredential {
  readonly requestedScopes: string[] = [];
  constructor(private readonly inner: TokenCredential) {}
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.requestedScopes.push(...[scopes].flat());
    return this.inner.getToken(scopes, options);
  }
}

class MemoryAudienceStore implements AudienceStore {
  readonly saved = new Map<string, Audience>();
  get(loginServer: string): Audience | undefined {
    return this.saved.get(loginServer);
  }
  set(loginServer: string, audience: Audience): void {
    this.saved.set(loginServer, audience);
  }
}

const tokenShape = /eyJ[A-Za-z0-9_-]{10,}/;

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('acr token client against the emulator (docs/protocol.md sections 1-4)', function () {
  const emulator = useEmulator();
  let cloud: AzureCloud;
  let trust: HostTrust;
  let apps: EntraRegistryTarget;

  const credentialFor = async (client: { clientId: string; secret: string }, tenant = contoso): Promise<RecordingCredential> => {
    const { ClientSecretCredential } = await import('@azure/identity');
    return new RecordingCredential(new ClientSecretCredential(tenant, client.clientId, client.secret, { authorityHost: emulator().entra.authorityHost, disableInstanceDiscovery: true }));
  };
  const newClient = async (
    client = clients.puller,
    extra: { audienceStore?: AudienceStore; limits?: Partial<RequestLimits>; trust?: HostTrust } = {},
  ): Promise<{ acr: AcrTokenClient; credential: RecordingCredential }> => {
    const credential = await credentialFor(client);
    return { acr: new AcrTokenClient({ credential, trust: extra.trust ?? trust, audienceStore: extra.audienceStore, limits: extra.limits }), credential };
  };
  const requestsTo = (log: LogEntry[], registry: string, path: string): LogEntry[] => log.filter((entry) => entry.server === `registry:${registry}` && entry.path === path);
  const withFault = async <T>(fault: FaultSpec, run: () => Promise<T>): Promise<T> => {
    const id = await emulator().client.addFault(fault);
    try {
      return await run();
    } finally {
      await emulator().client.removeFault(id).catch(() => undefined);
    }
  };
  const assertActionableError = (error: unknown, kind: AcrErrorKind, registry: string, secrets: string[] = []): true => {
    assert.ok(error instanceof AcrError, `expected an AcrError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    assert.ok(error.message.startsWith(acrErrorMessages[kind](registry)), `the message names ${registry} and the next step: ${error.message}`);
    assert.doesNotMatch(error.message, tokenShape);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), 'the message holds a secret');
    return true;
  };

  before(() => {
    cloud = emulatorCloud(emulator());
    trust = { cloud, armLoginServers: emulator().registries.map((registry) => registry.loginServer) };
    apps = { loginServer: emulator().loginServer('contosoapps') };
  });

  afterEach(async () => {
    await emulator().client.clearFaults();
  });

  describe('exchange and access tokens', () => {
    it('exchanges a service principal token for a refresh token and a pull token that the registry accepts', async () => {
      const { acr } = await newClient();
      const refresh = await acr.refreshToken({ ...apps, tenantId: contoso });
      const refreshClaims = decodeClaims(refresh.token);
      assert.equal(refreshClaims.iss, 'Azure Container Registry');
      assert.equal(refreshClaims.aud, apps.loginServer);
      assert.equal(refreshClaims.grant_type, 'refresh_token');
      assert.equal(refreshClaims.tenant, contoso);
      assert.equal(refresh.expiresOn, (refreshClaims.exp as number) * 1000);

      const access = await acr.accessToken(apps, ['repository:hello:pull']);
      const accessClaims = decodeClaims(access.token);
      assert.equal(accessClaims.grant_type, 'access_token');
      assert.deepEqual(accessClaims.access, [{ type: 'repository', name: 'hello', actions: ['pull'] }]);
      assert.equal(access.expiresOn, (accessClaims.exp as number) * 1000);
      const tags = await fetch(`https://${apps.loginServer}/v2/hello/tags/list`, { headers: { authorization: `Bearer ${access.token}` } });
      assert.equal(tags.status, 200);
      assert.deepEqual(((await tags.json()) as { tags: string[] }).tags.sort(), ['latest', 'v1']);
    });

    it('sends the Entra token only to the registry exchange, and reuses cached tokens', async () => {
      const { acr, credential } = await newClient();
      await emulator().client.clearLog();
      await acr.accessToken(apps, ['repository:hello:pull']);
      await acr.accessToken(apps, ['repository:hello:pull']);
      await acr.refreshToken(apps);
      const log = await emulator().client.log();
      const carriers = log.filter((entry) => entry.entraTokenJtis?.length);
      assert.deepEqual(
        carriers.map((entry) => `${entry.server} ${entry.method} ${entry.path}`),
        ['registry:contosoapps POST /oauth2/exchange'],
      );
      assert.equal(requestsTo(log, 'contosoapps', '/oauth2/token').length, 1);
      assert.deepEqual(credential.requestedScopes, ['https://containerregistry.azure.net/.default']);
    });

    it('gets a refresh token from a registry with ARM-audience tokens off, falling back from ARM and remembering ACR', async () => {
      const noArm = { loginServer: emulator().loginServer('contosonoarm'), preferredAudience: 'arm' as const };
      const store = new MemoryAudienceStore();
      const { acr, credential } = await newClient(clients.puller, { audienceStore: store });
      await emulator().client.clearLog();
      const refresh = await acr.refreshToken(noArm);
      assert.equal(decodeClaims(refresh.token).aud, noArm.loginServer);
      assert.deepEqual(
        requestsTo(await emulator().client.log(), 'contosonoarm', '/oauth2/exchange').map((entry) => entry.status),
        [401, 200],
      );
      assert.deepEqual(credential.requestedScopes, [armScope, 'https://containerregistry.azure.net/.default']);
      assert.equal(store.get(noArm.loginServer), 'acr');

      const { acr: later, credential: laterCredential } = await newClient(clients.puller, { audienceStore: store });
      await emulator().client.clearLog();
      await later.refreshToken(noArm);
      assert.deepEqual(
        requestsTo(await emulator().client.log(), 'contosonoarm', '/oauth2/exchange').map((entry) => entry.status),
        [200],
      );
      assert.deepEqual(laterCredential.requestedScopes, ['https://containerregistry.azure.net/.default']);
    });

    it('uses the ARM audience first when the registry is told so, and remembers it', async () => {
      const store = new MemoryAudienceStore();
      const { acr, credential } = await newClient(clients.puller, { audienceStore: store });
      await acr.refreshToken({ ...apps, preferredAudience: 'arm' });
      assert.deepEqual(credential.requestedScopes, [armScope]);
      assert.equal(store.get(apps.loginServer), 'arm');
    });

    it('gets a pull token for a named repository of an ABAC registry, whose catalog stays denied', async () => {
      const abac = { loginServer: emulator().loginServer('contosoabac') };
      const { acr } = await newClient(clients.reader);
      const access = await acr.accessToken(abac, ['repository:team/api:pull']);
      const tags = await fetch(`https://${abac.loginServer}/v2/team/api/tags/list`, { headers: { authorization: `Bearer ${access.token}` } });
      assert.equal(tags.status, 200);
      assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, ['1.0']);
      const catalog = await acr.accessToken(abac, ['registry:catalog:*']);
      const granted = (decodeClaims(catalog.token).access as Array<{ actions: string[] }>).flatMap((entry) => entry.actions);
      assert.deepEqual(granted, []);
      const listing = await fetch(`https://${abac.loginServer}/v2/_catalog`, { headers: { authorization: `Bearer ${catalog.token}` } });
      assert.equal(listing.status, 401);
    });

    it('answers 200 concurrent callers for one registry and scope with one exchange and one token request', async () => {
      const { acr, credential } = await newClient();
      await emulator().client.clearLog();
      const tokens = await Promise.all(Array.from({ length: 200 }, () => acr.accessToken(apps, ['repository:hello:pull'])));
      assert.equal(new Set(tokens.map((token) => token.token)).size, 1);
      const log = await emulator().client.log();
      assert.equal(requestsTo(log, 'contosoapps', '/v2/').length, 1);
      assert.equal(requestsTo(log, 'contosoapps', '/oauth2/exchange').length, 1);
      assert.equal(requestsTo(log, 'contosoapps', '/oauth2/token').length, 1);
      assert.equal(credential.requestedScopes.length, 1);
    });

    it('exchanges again after forget (sign out)', async () => {
      const { acr } = await newClient();
      const first = await acr.accessToken(apps, ['repository:hello:pull']);
      acr.forget(apps.loginServer);
      await emulator().client.clearLog();
      const second = await acr.accessToken(apps, ['repository:hello:pull']);
      assert.notEqual(second.token, first.token);
      assert.equal(requestsTo(await emulator().client.log(), 'contosoapps', '/oauth2/exchange').length, 1);
    });

    it('re-exchanges once when the registry refuses a cached refresh token', async () => {
      const { acr } = await newClient();
      await acr.refreshToken(apps);
      await emulator().client.clearLog();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/token$', mode: 'status', status: 401, times: 1 }, () => acr.accessToken(apps, ['repository:hello:pull']));
      const log = await emulator().client.log();
      assert.deepEqual(requestsTo(log, 'contosoapps', '/oauth2/token').map((entry) => entry.status), [401, 200]);
      assert.equal(requestsTo(log, 'contosoapps', '/oauth2/exchange').length, 1);
    });
  });

  describe('registry-local credentials', () => {
    it('gets a pull token with a repository-scoped token password and checks that it works', async () => {
      const credentials = { username: 'hellopuller', password: 'hello-token-password' };
      const access = await accessTokenWithPassword(apps, credentials, ['repository:hello:pull']);
      assert.deepEqual(decodeClaims(access.token).access, [{ type: 'repository', name: 'hello', actions: ['pull'] }]);
      await checkPasswordCredentials(apps, credentials);
    });

    it('gets a token with the admin user from listCredentials', async () => {
      const armToken = await entraToken(emulator(), clients.owner, armScope);
      const url = `${emulator().arm.endpoint}/subscriptions/${devSubscription}/resourceGroups/apps-rg/providers/Microsoft.ContainerRegistry/registries/contosoapps/listCredentials?api-version=2023-07-01`;
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${armToken}` } });
      assert.equal(response.status, 200);
      const admin = (await response.json()) as { username: string; passwords: Array<{ value: string }> };
      const access = await accessTokenWithPassword(apps, { username: admin.username, password: admin.passwords[0].value }, ['repository:team/api:pull,push']);
      assert.deepEqual(decodeClaims(access.token).access, [{ type: 'repository', name: 'team/api', actions: ['pull', 'push'] }]);
    });

    it('refuses a wrong password as credentialsRejected, without the password in the message', async () => {
      await assert.rejects(checkPasswordCredentials(apps, { username: 'hellopuller', password: 'wrong-password-123' }), (error) =>
        assertActionableError(error, 'credentialsRejected', apps.loginServer, ['wrong-password-123']),
      );
    });
  });

  describe('hosts that must never get a token', () => {
    it('refuses adversarial login servers before any Entra token is requested or any request is sent', async () => {
      const port = apps.loginServer.split(':')[1];
      const adversarial: EntraRegistryTarget[] = [
        { loginServer: `localhost:${port}` },
        { loginServer: `127.0.0.2:${port}` },
        { loginServer: `0x7f.0.0.1:${port}` },
        { loginServer: `2130706433:${port}` },
        { loginServer: `[::ffff:127.0.0.1]:${port}` },
        { loginServer: `contosoapps.azurecr.localhost:${port}` },
        { loginServer: 'contosoapps.azurecr.localhost.evil.test' },
        { loginServer: 'x.azurecr.localhost.evil.test' },
        { loginServer: 'contosoapps.azurecr.localhost.' },
        { loginServer: 'ContosoApps.azurecr.localhost' },
        { loginServer: 'xn--contsoapps-9db.azurecr.localhost' },
        { loginServer: `user@${apps.loginServer}` },
        { loginServer: 'contosoapps.eastus.data.azurecr.localhost' },
        { loginServer: `${apps.loginServer}/evil` },
      ];
      const { acr, credential } = await newClient();
      await emulator().client.clearLog();
      for (const target of adversarial) {
        await assert.rejects(acr.refreshToken(target), (error) => assertActionableError(error, 'hostNotTrusted', target.loginServer));
      }
      assert.deepEqual(credential.requestedScopes, []);
      assert.deepEqual(await emulator().client.log(), []);
    });

    it('refuses a challenge whose realm host is not trusted: the Entra token asked for meanwhile is sent nowhere', async () => {
      const viaLocalhost = { loginServer: `localhost:${apps.loginServer.split(':')[1]}` };
      const { acr } = await newClient(clients.puller, { trust: { cloud, userTrustedHosts: [viaLocalhost.loginServer] } });
      await emulator().client.clearLog();
      await assert.rejects(acr.refreshToken(viaLocalhost), (error) => assertActionableError(error, 'hostNotTrusted', viaLocalhost.loginServer) && /127\.0\.0\.1/.test((error as AcrError).message));
      const registryRequests = (await emulator().client.log()).filter((entry) => entry.server.startsWith('registry:'));
      assert.deepEqual(registryRequests.map((entry) => `${entry.method} ${entry.path}`), ['GET /v2/']);
    });

    it('asks Entra for its token while the challenge is still unanswered, and sends it only once the realm is checked', async () => {
      const { acr, credential } = await newClient();
      await withFault({ server: 'registry:contosoapps', method: 'GET', path: '^/v2/$', mode: 'hang', times: 1 }, async () => {
        const stop = new AbortController();
        const refreshing = acr.refreshToken(apps, { signal: stop.signal });
        refreshing.catch(() => undefined);
        // The challenge hangs: the token is asked for all the same (one after the other, it would never be).
        await eventually(() => 'Entra was not asked while the challenge was unanswered', () => Promise.resolve(credential.requestedScopes.length === 1), 10_000, 20);
        assert.equal(requestsTo(await emulator().client.log(), 'contosoapps', '/oauth2/exchange').length, 0, 'nothing exchanged before the challenge answered');
        stop.abort();
        await assert.rejects(refreshing);
      });
    });

    it('refuses the login server ARM returned once it is no longer trusted', async () => {
      const { acr, credential } = await newClient(clients.puller, { trust: { cloud } });
      await emulator().client.clearLog();
      await assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'hostNotTrusted', apps.loginServer));
      assert.deepEqual(credential.requestedScopes, []);
      assert.deepEqual(await emulator().client.log(), []);
    });
  });

  describe('errors users can act on', () => {
    const apps403 = (message: string): FaultSpec => ({
      server: 'registry:contosoapps',
      path: '^/oauth2/exchange$',
      mode: 'status',
      status: 403,
      body: { errors: [{ code: 'DENIED', message, detail: null }] },
    });

    it('says notSignedIn when no Entra token can be had', async () => {
      const credential = await credentialFor({ clientId: clients.puller.clientId, secret: 'not-the-secret' });
      const acr = new AcrTokenClient({ credential, trust });
      await assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'notSignedIn', apps.loginServer, ['not-the-secret']));
    });

    it('says wrongTenant when the registry belongs to another tenant than the token', async () => {
      const { acr } = await newClient();
      await assert.rejects(acr.refreshToken({ ...apps, tenantId: fabrikam }), (error) => assertActionableError(error, 'wrongTenant', apps.loginServer));
    });

    it('says noRole for a principal without a role on the registry', async () => {
      const { acr } = await newClient(clients.nobody);
      await assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'noRole', apps.loginServer));
    });

    it('says noRole for a forced 403 without a network message', async () => {
      const { acr } = await newClient();
      await withFault(apps403('access denied'), () => assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'noRole', apps.loginServer)));
    });

    it('says firewall for a 403 about network rules', async () => {
      const { acr } = await newClient();
      const message = "client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.";
      await withFault(apps403(message), () => assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'firewall', apps.loginServer)));
    });

    it('waits out a 429 with Retry-After and then succeeds', async () => {
      const { acr } = await newClient();
      await acr.refreshToken(apps);
      await emulator().client.clearLog();
      const started = Date.now();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/token$', mode: 'status', status: 429, retryAfter: 1, times: 1 }, () => acr.accessToken(apps, ['repository:hello:pull']));
      assert.ok(Date.now() - started >= 1000, 'waited for Retry-After');
      assert.deepEqual(requestsTo(await emulator().client.log(), 'contosoapps', '/oauth2/token').map((entry) => entry.status), [429, 200]);
    });

    it('says throttled after a bounded number of 429 retries, and at once for a Retry-After beyond the bound', async () => {
      const { acr } = await newClient(clients.puller, { limits: { throttleRetries: 1, maxRetryAfterSeconds: 5 } });
      await acr.refreshToken(apps);
      await emulator().client.clearLog();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/token$', mode: 'status', status: 429, retryAfter: 1 }, () =>
        assert.rejects(acr.accessToken(apps, ['repository:hello:pull']), (error) => assertActionableError(error, 'throttled', apps.loginServer)),
      );
      assert.equal(requestsTo(await emulator().client.log(), 'contosoapps', '/oauth2/token').length, 2);
      await emulator().client.clearLog();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/token$', mode: 'status', status: 429, retryAfter: 3600 }, () =>
        assert.rejects(acr.accessToken(apps, ['repository:hello:pull']), (error) => assertActionableError(error, 'throttled', apps.loginServer) && (error as AcrError).retryAfterSeconds === 3600),
      );
      assert.equal(requestsTo(await emulator().client.log(), 'contosoapps', '/oauth2/token').length, 1);
    });

    it('says tokenExpired when the exchange answers 401 for both audiences', async () => {
      const { acr } = await newClient();
      const fault: FaultSpec = { server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'the access token is invalid or expired', detail: null }] } };
      await withFault(fault, () => assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'tokenExpired', apps.loginServer)));
    });

    it('says tokenExpired when the registry refuses the refresh token again after a re-exchange', async () => {
      const { acr } = await newClient();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/token$', mode: 'status', status: 401 }, () =>
        assert.rejects(acr.accessToken(apps, ['repository:hello:pull']), (error) => assertActionableError(error, 'tokenExpired', apps.loginServer)),
      );
    });

    it('says tokenExpired when the registry answers with an already expired token', async () => {
      const { acr } = await newClient();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'expiredJwt' }, () =>
        assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'tokenExpired', apps.loginServer)),
      );
    });

    it('says unavailable for a server error, with the Retry-After it was given', async () => {
      const { acr } = await newClient();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 503, retryAfter: 5 }, () =>
        assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'unavailable', apps.loginServer) && (error as AcrError).retryAfterSeconds === 5),
      );
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 500 }, () =>
        assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'unavailable', apps.loginServer) && (error as AcrError).retryAfterSeconds === undefined),
      );
    });

    const malformed: Array<[string, FaultSpec]> = [
      ['a body that is not JSON', { server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'malformedBody' }],
      ['a refresh token that is not a JWT', { server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'malformedJwt' }],
      ['a challenge without WWW-Authenticate', { server: 'registry:contosoapps', path: '^/v2/$', mode: 'status', status: 401 }],
      ['an unexpected status', { server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 302 }],
    ];
    for (const [name, fault] of malformed) {
      it(`says malformedResponse for ${name}`, async () => {
        const { acr } = await newClient();
        await withFault(fault, () => assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'malformedResponse', apps.loginServer)));
      });
    }

    it('says malformedResponse for an access token that is not a JWT', async () => {
      const { acr } = await newClient();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/token$', mode: 'malformedJwt' }, () =>
        assert.rejects(acr.accessToken(apps, ['repository:hello:pull']), (error) => assertActionableError(error, 'malformedResponse', apps.loginServer)),
      );
    });

    // The emulator's `reset` fault cannot reset a TLS socket (it answers 500), so real transport failures stand in.
    it('says network when nothing listens on the login server', async () => {
      const closed = { loginServer: `127.0.0.1:${await closedPort()}` };
      const { acr } = await newClient(clients.puller, { trust: { cloud, armLoginServers: [closed.loginServer] } });
      await assert.rejects(acr.refreshToken(closed), (error) => assertActionableError(error, 'network', closed.loginServer) && /ECONNREFUSED/.test((error as AcrError).message));
    });

    it('says network when the TLS handshake fails', async () => {
      const plain = { loginServer: new URL(emulator().control).host };
      const { acr } = await newClient(clients.puller, { trust: { cloud, armLoginServers: [plain.loginServer] } });
      await assert.rejects(acr.refreshToken(plain), (error) => assertActionableError(error, 'network', plain.loginServer));
    });

    it('says timeout when the registry never answers', async () => {
      const { acr } = await newClient(clients.puller, { limits: { timeoutMs: 1000 } });
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'hang' }, () =>
        assert.rejects(acr.refreshToken(apps), (error) => assertActionableError(error, 'timeout', apps.loginServer)),
      );
    });

    it('stops waiting when the caller cancels, although the registry never answers', async () => {
      // No time-out within the test's time: only the cancellation can end the wait.
      const { acr } = await newClient(clients.puller, { limits: { timeoutMs: 3600_000 } });
      const controller = new AbortController();
      await emulator().client.clearLog();
      await withFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'hang' }, async () => {
        const pending = acr.refreshToken(apps, { signal: controller.signal });
        await eventually(() => 'the exchange was not sent', async () => requestsTo(await emulator().client.log(), 'contosoapps', '/oauth2/exchange').length > 0, 10_000, 200);
        controller.abort(new Error('cancelled by the user'));
        await assert.rejects(pending, /cancelled by the user/);
      });
    });
  });
});
