import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AzureCloud } from '../../src/azure/clouds';
import { RunningEmulator, startEmulator } from '../world/emulator';

/** The fixture the emulator component tests share. */
export const componentFixture = join(__dirname, '..', 'emulator', 'fixtures', 'component.json');

export const contoso = '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001';
export const fabrikam = '7a1e0c52-4a51-4f0e-9a57-0c0ffee00002';
export const devSubscription = '5eb50000-0000-4000-8000-000000000001';
export const nullGuid = '00000000-0000-0000-0000-000000000000';
export const acrScope = 'https://containerregistry.azure.net/.default';
export const armScope = 'https://management.azure.com/.default';

export const clients = {
  owner: { clientId: 'c11e0000-0000-4000-8000-000000000001', secret: 'owner-secret' },
  pusher: { clientId: 'c11e0000-0000-4000-8000-000000000002', secret: 'pusher-secret' },
  puller: { clientId: 'c11e0000-0000-4000-8000-000000000003', secret: 'puller-secret' },
  nobody: { clientId: 'c11e0000-0000-4000-8000-000000000004', secret: 'nobody-secret' },
  reader: { clientId: 'c11e0000-0000-4000-8000-000000000008', secret: 'reader-secret' },
};

/** The workload identity (and managed identity) of the fixture: no secret, a projected token instead. */
export const kubeletClientId = 'c11e0000-0000-4000-8000-000000000006';

/**
 * Starts the emulator (with this fixture file or fixture) before the tests of the describe it is called in, and
 * stops it after them. The getter returns it, in those tests and hooks registered after this call.
 */
export function useEmulator(fixture: string | object = componentFixture): () => RunningEmulator {
  let emulator: RunningEmulator | undefined;
  before(async () => {
    emulator = await startEmulator({ fixture });
    assertCaTrusted(emulator);
  });
  after(async () => {
    await emulator?.stop();
    emulator = undefined;
  });
  return () => emulator ?? assert.fail('the emulator runs only in the tests and later hooks of the describe that called useEmulator');
}

/** HTTPS to the emulator needs its CA trusted from process start (NODE_EXTRA_CA_CERTS). */
export function assertCaTrusted(emulator: RunningEmulator): void {
  assert.equal(
    process.env.NODE_EXTRA_CA_CERTS,
    emulator.caPath,
    `Run the tests with NODE_EXTRA_CA_CERTS=${emulator.caPath} (node test/emulator --ca-path prints it) so Node trusts the emulator's CA.`,
  );
}

export function decodeClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

export async function postForm(url: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const item of [value].flat()) body.append(key, item);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

export async function entraToken(emulator: RunningEmulator, client: { clientId: string; secret: string }, scope: string, tenant = contoso): Promise<string> {
  const response = await postForm(`${emulator.entra.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    client_id: client.clientId,
    client_secret: client.secret,
    grant_type: 'client_credentials',
    scope,
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function exchange(loginServer: string, entraAccessToken: string, tenant?: string): Promise<Response> {
  return postForm(`https://${loginServer}/oauth2/exchange`, {
    grant_type: 'access_token',
    service: loginServer,
    access_token: entraAccessToken,
    ...(tenant ? { tenant } : {}),
  });
}

export async function refreshToken(loginServer: string, entraAccessToken: string): Promise<string> {
  const response = await exchange(loginServer, entraAccessToken);
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { refresh_token: string }).refresh_token;
}

export async function accessToken(loginServer: string, acrRefreshToken: string, scopes: string[]): Promise<string> {
  const response = await postForm(`https://${loginServer}/oauth2/token`, { grant_type: 'refresh_token', service: loginServer, scope: scopes, refresh_token: acrRefreshToken });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The emulator as a user would configure it: a custom cloud. */
export function emulatorCloud(emulator: RunningEmulator): AzureCloud {
  return {
    name: 'custom',
    authorityHost: emulator.entra.authorityHost,
    armEndpoint: emulator.arm.endpoint,
    armAudience: emulator.arm.audience,
    acrAudience: emulator.acrAudience,
    loginServerSuffix: 'azurecr.localhost',
  };
}
