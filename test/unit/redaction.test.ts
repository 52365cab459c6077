// withoutSecrets: server text goes into errors with every token, password and secret cut, and with what an owner
// needs to grant access (ARM action, resource id, role) and support needs (correlation id, error code) kept.
// The fuzz test draws a new seed each run and prints it; FC_SEED=<seed> reproduces a failure.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { withoutSecrets } from '../../src/acr/errors';

const seed = process.env.FC_SEED === undefined ? Math.floor(Math.random() * 2 ** 32) | 0 : Number(process.env.FC_SEED);
const numRuns = Number(process.env.ACR_FUZZ_RUNS ?? 500);

const subscriptionId = '2c5a8f3e-1111-4222-8333-944455556666';
const registryId = `/subscriptions/${subscriptionId}/resourceGroups/rg-contoso-prod/providers/Microsoft.ContainerRegistry/registries/acrprod01westeu2`;
const base64 = (bytes: Uint8Array, alphabet: 'base64' | 'base64url') => Buffer.from(bytes).toString(alphabet);

/** Secrets as the services issue them: JWTs (Entra and ACR tokens), ACR refresh tokens, base64 passwords, client secrets, docker auths. */
const issuedSecrets = {
  jwt: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTg5MzQ1NjAwMH0.Q2x2a3pXb1RmZ0NsU2lnbmF0dXJlT2ZBbkFjclRva2Vu',
  adminPassword: 'u3Vb0+9aQmC5/xTk7Lr2HcYp1nWd4sGe8JfZoKqA6Dy=',
  tokenPassword: 'Kq7ZrB2mXw9PcL4hTf1Ns8VdGy3eJa6U',
  clientSecret: 'abc8Q~Xy1_zRt5.Lm-Qw9pVn2Hs7Dk4Gf0Jb3Ce6',
  dockerAuth: Buffer.from('00000000-0000-0000-0000-000000000000:Kq7ZrB2mXw9PcL4hTf1Ns8VdGy3eJa6U').toString('base64'),
};

/** No piece of the secret long enough to help guess it (12 characters) is left. */
function assertCut(text: string, secret: string): void {
  for (let start = 0; start + 12 <= secret.length; start++) assert.ok(!text.includes(secret.slice(start, start + 12)), `"${secret.slice(start, start + 12)}" of a secret is left in: ${text}`);
}

describe('withoutSecrets: cuts secrets, keeps what is needed to get access', () => {
  it("keeps an ARM 403's action, scope, object and correlation ids, code and role, and cuts the token beside them", () => {
    const text =
      `AuthorizationFailed: The client 'alice@contoso.com' with object id '1f1c7f1e-2b3c-4d5e-8f90-a1b2c3d4e5f6' does not have authorization to perform action ` +
      `'Microsoft.ContainerRegistry/registries/scopeMaps/write' over scope '${registryId}/scopeMaps/ci-pull' or the scope is invalid. ` +
      `Role 'Container Registry Contributor and Data Access Configuration Administrator' grants it. Correlation id: 8f3c2a1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b. ` +
      `Authorization: Bearer ${issuedSecrets.jwt}`;
    assert.equal(
      withoutSecrets(text),
      text.replace(issuedSecrets.jwt, '[token]'),
    );
  });

  it('cuts JWTs, base64 passwords of 32 characters and more, client secrets and docker auths: alone, quoted, after = and ending a sentence', () => {
    for (const secret of Object.values(issuedSecrets)) {
      for (const text of [secret, `'${secret}'`, `password=${secret}`, `the secret ${secret}.`]) {
        const cleaned = withoutSecrets(text);
        assertCut(cleaned, secret);
        assert.match(cleaned, /\[(token|redacted)\]/);
      }
    }
  });

  it('cuts the password of a URL, keeping its host', () => {
    assert.equal(withoutSecrets('GET https://alice:hunter2@contosoapps.azurecr.io/v2/ failed'), 'GET https://[redacted]@contosoapps.azurecr.io/v2/ failed');
  });

  it('keeps registry paths, image digests, host names, error codes and file paths', () => {
    const text =
      'GET /v2/hello/manifests/sha256:1fdf6087fc1463014dc4659f612877cd41976f7ace73ee5879f32b87725b1e4d and /v2/hello/manifests/v9 on contosoapps.westeurope.data.azurecr.io: InvalidAuthenticationTokenTenant, UNABLE_TO_VERIFY_LEAF_SIGNATURE reading /home/alice/projects/contoso-api/deploy/registry-login/config.json';
    assert.equal(withoutSecrets(text), text);
  });

  describe(`ARM error texts, fuzzed (fast-check seed ${seed}, ${numRuns} runs; FC_SEED=${seed} reproduces)`, () => {
    const word = fc.constantFrom('container', 'registry', 'scope', 'map', 'token', 'contoso', 'fabrikam', 'prod', 'dev', 'west', 'europe', 'build', 'pull', 'team', 'api');
    const capitalized = word.map((text) => text[0].toUpperCase() + text.slice(1));
    const camel = fc.tuple(word, fc.array(capitalized, { maxLength: 2 })).map(([first, rest]) => first + rest.join(''));
    const action = fc
      .tuple(fc.array(capitalized, { minLength: 1, maxLength: 3 }), fc.array(camel, { minLength: 1, maxLength: 3 }), fc.constantFrom('read', 'write', 'delete', 'action'))
      .map(([provider, types, verb]) => `Microsoft.${provider.join('')}/${types.join('/')}/${verb}`);
    // Names as users give them: letters, digits, - and _, in any case.
    const name = fc.stringMatching(/^[A-Za-z0-9][\w-]{0,29}$/);
    const resourceId = fc
      .tuple(fc.uuid(), name, name, fc.option(fc.tuple(fc.constantFrom('scopeMaps', 'tokens', 'replications'), name), { nil: undefined }))
      .map(([subscription, group, registry, child]) => `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ContainerRegistry/registries/${registry}${child ? `/${child.join('/')}` : ''}`);
    const role = fc.constantFrom('AcrPull', 'AcrPush', 'Reader', 'Contributor', 'Container Registry Repository Catalog Lister', 'Container Registry Repository Writer');
    const code = fc.constantFrom('AuthorizationFailed', 'LinkedAuthorizationFailed', 'ResourceGroupNotFound', 'InvalidAuthenticationTokenTenant', 'ExpiredAuthenticationToken');
    // Random bytes without fast-check's bias toward small values: secrets are drawn by a CSPRNG.
    const bytes = (minLength: number, maxLength: number) => fc.noBias(fc.uint8Array({ minLength, maxLength }));
    const secretAlphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-'];
    const secret = fc.oneof(
      fc.tuple(bytes(20, 60), bytes(40, 200), bytes(32, 256)).map(([header, payload, signature]) => `eyJ${[header, payload, signature].map((part) => base64(part, 'base64url')).join('.')}`),
      bytes(24, 48).map((part) => base64(part, 'base64')),
      bytes(24, 48).map((part) => base64(part, 'base64url')),
      fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{3}$/), fc.noBias(fc.array(fc.constantFrom(...secretAlphabet), { minLength: 34, maxLength: 34 }))).map(([start, rest]) => `${start}8Q~${rest.join('')}`),
      bytes(24, 40).map((password) => Buffer.from(`00000000-0000-0000-0000-000000000000:${base64(password, 'base64url')}`).toString('base64')),
    );
    const around = fc.constantFrom((text: string) => ` ${text} `, (text: string) => ` '${text}' `, (text: string) => ` password=${text}; `, (text: string) => ` Bearer ${text}. `);

    it('keeps every action, resource id, correlation id, role and code, and cuts every secret', () => {
      const text = fc.tuple(code, fc.uuid(), action, resourceId, role, fc.uuid(), fc.array(fc.tuple(secret, around), { minLength: 1, maxLength: 3 }));
      const details = fc.check(
        fc.property(text, ([errorCode, objectId, actionName, scope, roleName, correlationId, secrets]) => {
          const message =
            `${errorCode}: The client '${objectId}' does not have authorization to perform action '${actionName}' over scope '${scope}'.` +
            secrets.map(([value, wrap]) => wrap(value)).join('') +
            `Role '${roleName}' grants it. Correlation id: ${correlationId}.`;
          const cleaned = withoutSecrets(message);
          for (const kept of [errorCode, objectId, actionName, scope, roleName, correlationId]) assert.ok(cleaned.includes(kept), `"${kept}" was cut: ${cleaned}`);
          for (const [value] of secrets) assertCut(cleaned, value);
        }),
        { seed, numRuns, includeErrorInReport: true },
      );
      if (details.failed) assert.fail(`${fc.defaultReportMessage(details)}\nReproduce with: FC_SEED=${seed}`);
    });
  });
});
