import assert from 'node:assert/strict';
import { SingleFlight } from '../../src/acr/singleFlight';
import { retryAfterSeconds } from '../../src/acr/http';
import { AcrError, withoutSecrets } from '../../src/acr/errors';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('acr: single-flight, Retry-After and secret-free errors', () => {
  it('runs one operation for any number of concurrent callers of a key, and a new one after it lands', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    const gate = deferred<number>();
    const operation = (): Promise<number> => {
      runs += 1;
      return gate.promise;
    };
    const callers = Array.from({ length: 50 }, () => flights.run('registry', operation));
    gate.resolve(7);
    assert.deepEqual(new Set(await Promise.all(callers)), new Set([7]));
    assert.equal(runs, 1);
    assert.equal(await flights.run('registry', () => Promise.resolve(8)), 8, 'a call after the first landed runs its own operation');
  });

  it('lets one caller give up without cancelling the operation the others wait for', async () => {
    const flights = new SingleFlight<string>();
    const gate = deferred<string>();
    let operationSignal: AbortSignal | undefined;
    const quitter = new AbortController();
    const first = flights.run('k', (signal) => ((operationSignal = signal), gate.promise), quitter.signal);
    const second = flights.run('k', () => Promise.resolve('not used'));
    quitter.abort(new Error('user cancelled'));
    await assert.rejects(first, /user cancelled/);
    assert.equal(operationSignal?.aborted, false);
    gate.resolve('token');
    assert.equal(await second, 'token');
  });

  it('aborts the operation when every caller has given up', async () => {
    const flights = new SingleFlight<string>();
    let operationSignal: AbortSignal | undefined;
    const controllers = [new AbortController(), new AbortController()];
    const calls = controllers.map((controller) => flights.run('k', (signal) => ((operationSignal = signal), new Promise<string>(() => undefined)), controller.signal));
    for (const controller of controllers) controller.abort(new Error('gone'));
    await Promise.all(calls.map((call) => assert.rejects(call, /gone/)));
    assert.equal(operationSignal?.aborted, true);
  });

  it('reads Retry-After as seconds or as an HTTP date, and one second when absent', () => {
    assert.equal(retryAfterSeconds('3'), 3);
    assert.equal(retryAfterSeconds(null), 1);
    assert.equal(retryAfterSeconds('soon'), 1);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterSeconds('Wed, 01 Jan 2025 00:00:10 GMT', now), 10);
  });

  it('cuts anything shaped like a token out of server text put into an error', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    // A random-looking run, as ACR refresh tokens and registry passwords are (a run of one letter is no secret).
    const opaque = 'q7Zp2LwX9rTk4MvB8nYc3HdF6sJg1QaE5uRo0WiN2xKb7VlC4yPt9GmD3eUh8ZfA';
    const error = new AcrError('tokenExpired', 'contosoapps.azurecr.io', { detail: `bad token ${jwt} and ${opaque}`, correlationId: 'c0ffee00-0000-4000-8000-000000000001' });
    assert.ok(!error.message.includes(jwt) && !error.message.includes(opaque));
    assert.match(error.message, /Sign in again/);
    assert.match(error.message, /Correlation id: c0ffee00-0000-4000-8000-000000000001/);
    assert.equal(withoutSecrets('x '.repeat(800)).length < 620, true, 'the text is kept short');
  });
});
