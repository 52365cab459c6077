import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { defaultRequestLimits, requestRegistry } from '../../src/acr/http';

// Each new connection to a registry costs a TCP and a TLS handshake, two round trips on a real network
// (npm run bench -- wan): requests made one right after another, as a sign-in's challenge and exchange or a
// listing's token and page are, must share one.
describe('Registry requests over one connection', () => {
  let server: Server;
  let connections = 0;
  let url = '';

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a GET, a POST and a GET made at once after each other over the same connection', async () => {
    connections = 0;
    await requestRegistry('registry', url, {}, defaultRequestLimits);
    await requestRegistry('registry', url, { method: 'POST', body: 'grant_type=refresh_token' }, defaultRequestLimits);
    await requestRegistry('registry', url, {}, defaultRequestLimits);
    assert.equal(connections, 1);
  });
});
