import assert from 'node:assert/strict';
import { acrScope, armScope, clients, contoso, decodeClaims, entraToken, exchange, postForm, useEmulator } from './emulatorSupport';

describe('emulator: faults switched on at run time, and the request log', () => {
  const emulator = useEmulator();
  let login: string;
  const tokenUrl = (): string => `${emulator().entra.authorityHost}/${contoso}/oauth2/v2.0/token`;
  const requestToken = (): Promise<Response> =>
    postForm(tokenUrl(), { client_id: clients.puller.clientId, client_secret: clients.puller.secret, grant_type: 'client_credentials', scope: acrScope });

  before(() => {
    login = emulator().loginServer('contosoapps');
  });

  afterEach(async () => {
    await emulator().client.clearFaults();
  });

  it('answers with a status code and Retry-After', async () => {
    await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'status', status: 429, retryAfter: 7 });
    const response = await exchange(login, await entraToken(emulator(), clients.puller, acrScope));
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '7');
  });

  it('hits only as many requests as `times` says', async () => {
    await emulator().client.addFault({ server: 'entra', mode: 'status', status: 503, times: 1 });
    assert.equal((await requestToken()).status, 503);
    assert.equal((await requestToken()).status, 200);
  });

  it("answers an injected status on Entra in Entra's OAuth error shape, with the code that fits the status", async () => {
    for (const [status, code] of [[401, 'invalid_client'], [403, 'unauthorized_client'], [404, 'invalid_request'], [429, 'temporarily_unavailable'], [500, 'server_error'], [503, 'temporarily_unavailable']] as const) {
      await emulator().client.addFault({ server: 'entra', path: '/oauth2/v2.0/token$', mode: 'status', status, times: 1 });
      const response = await requestToken();
      assert.equal(response.status, status);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.error, code, `status ${status}`);
      assert.match(String(body.error_description), new RegExp(`status ${status} injected by a fault`));
      assert.equal(typeof body.trace_id, 'string');
    }
  });

  it('hangs without answering', async () => {
    await emulator().client.addFault({ server: 'entra', path: '/oauth2/v2.0/token$', mode: 'hang' });
    await assert.rejects(
      fetch(tokenUrl(), { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }), signal: AbortSignal.timeout(700) }),
      (error: Error) => error.name === 'TimeoutError',
    );
    const entry = (await emulator().client.log()).filter((candidate) => candidate.fault === 'hang').pop();
    assert.ok(entry);
    assert.equal(entry.status, undefined);
  });

  it('resets the connection', async () => {
    await emulator().client.addFault({ server: 'imds', mode: 'reset' });
    await assert.rejects(
      fetch(`${emulator().imds.endpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/`, { headers: { Metadata: 'true' } }),
      (error: Error & { cause?: { code?: string; message?: string } }) => error.cause?.code === 'ECONNRESET' || /other side closed|socket/i.test(error.cause?.message ?? ''),
    );
  });

  it('sends a malformed body', async () => {
    await emulator().client.addFault({ server: 'entra', mode: 'malformedBody' });
    const response = await requestToken();
    assert.equal(response.status, 200);
    await assert.rejects(response.json(), SyntaxError);
  });

  it('hands out an expired JWT that is otherwise genuine', async () => {
    await emulator().client.addFault({ server: 'entra', mode: 'expiredJwt' });
    const token = ((await (await requestToken()).json()) as { access_token: string }).access_token;
    assert.ok((decodeClaims(token).exp as number) < Date.now() / 1000);
    assert.equal(decodeClaims(token).oid, '0b1d0000-0000-4000-8000-000000000003');
    await emulator().client.clearFaults();
    const refused = await exchange(login, token);
    assert.equal(refused.status, 401);
    assert.match(await refused.text(), /invalid or expired/);
  });

  it('hands out a malformed JWT', async () => {
    await emulator().client.addFault({ server: 'registry:contosoapps', path: '^/oauth2/exchange$', mode: 'malformedJwt' });
    const response = await exchange(login, await entraToken(emulator(), clients.puller, acrScope));
    assert.equal(response.status, 200);
    const { refresh_token: refreshToken } = (await response.json()) as { refresh_token: string };
    assert.notEqual(refreshToken.split('.').length, 3);
  });

  it('answers slowly', async () => {
    await emulator().client.addFault({ server: 'entra', mode: 'slow', delayMs: 800 });
    const started = Date.now();
    assert.equal((await requestToken()).status, 200);
    assert.ok(Date.now() - started >= 800);
  });

  it('sends the headers and half the body, then holds the rest back (slowBody)', async () => {
    await emulator().client.addFault({ server: 'entra', path: '/oauth2/v2.0/token$', mode: 'slowBody', delayMs: 60_000 });
    const response = await requestToken();
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    assert.ok(value && value.length > 0, 'the first half of the body came');
    const timeout = new Promise<'held back'>((resolve) => setTimeout(() => resolve('held back'), 500));
    assert.equal(await Promise.race([reader.read().then(() => 'arrived'), timeout]), 'held back');
    await reader.cancel();
  });

  it('sends the whole body once the slowBody delay has passed', async () => {
    await emulator().client.addFault({ server: 'entra', path: '/oauth2/v2.0/token$', mode: 'slowBody', delayMs: 300, times: 1 });
    const answer = (await (await requestToken()).json()) as { access_token?: string };
    assert.equal(decodeClaims(answer.access_token!).oid, '0b1d0000-0000-4000-8000-000000000003');
  });

  it('fails the TLS handshake of new connections with a certificate no client trusts, idle keep-alive ones included (tlsFailure)', async () => {
    // A request first, so the client holds an idle keep-alive connection that must not dodge the fault.
    assert.equal((await requestToken()).status, 200);
    await emulator().client.addFault({ server: 'entra', mode: 'tlsFailure', times: 1 });
    await assert.rejects(requestToken(), (error: Error & { cause?: { code?: string } }) => error.cause?.code === 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal((await requestToken()).status, 200);
    const refused = (await emulator().client.log()).filter((entry) => entry.fault === 'tlsFailure');
    assert.deepEqual(
      refused.map((entry) => [entry.server, entry.method]),
      [['entra', 'TLS']],
    );
  });

  it('refuses a tlsFailure fault that names a path', async () => {
    await assert.rejects(emulator().client.addFault({ server: 'entra', path: '/token', mode: 'tlsFailure' }), /tlsFailure fault hits whole connections/);
  });

  it('rejects an invalid fault with a clear message', async () => {
    await assert.rejects(emulator().client.addFault({ mode: 'status' }), /status needs a status code/);
  });

  it('logs host, path and status of each request, and which Entra token reached which host', async () => {
    await emulator().client.clearLog();
    const acrToken = await entraToken(emulator(), clients.puller, acrScope);
    const armToken = await entraToken(emulator(), clients.owner, armScope);
    assert.equal((await exchange(login, acrToken)).status, 200);
    await fetch(`${emulator().arm.endpoint}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${armToken}` } });
    const log = await emulator().client.log();
    assert.deepEqual(log.map((entry) => entry.server), ['entra', 'entra', 'registry:contosoapps', 'arm']);
    const [entraEntry, , exchangeEntry, armEntry] = log;
    assert.equal(entraEntry.path, `/${contoso}/oauth2/v2.0/token`);
    assert.equal(entraEntry.status, 200);
    assert.equal(exchangeEntry.host, login);
    assert.equal(exchangeEntry.path, '/oauth2/exchange');
    assert.deepEqual(exchangeEntry.entraTokenJtis, [decodeClaims(acrToken).jti]);
    assert.deepEqual(armEntry.entraTokenJtis, [decodeClaims(armToken).jti]);
    // The log never holds a token.
    assert.ok(!JSON.stringify(log).includes(acrToken.split('.')[2]));
  });
});
