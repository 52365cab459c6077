import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential, DeviceCodeCredential } from '@azure/identity';
import type { HostTrust } from '../../src/acr/loginServer';
import { listRegistries, type RegistrySummary } from '../../src/azure/registries';
import { listRegionalEndpoints } from '../../src/azure/regionalEndpoints';
import { storeDockerCredential } from '../../src/docker/credentials';
import type { CheckId, DiagnosisInputs } from '../../src/diagnosis/diagnosis';
import { diagnose } from '../../src/diagnosis/diagnose';
import { checkDns } from '../../src/diagnosis/registryChecks';
import { diagnosisMarkdown } from '../../src/diagnosis/report';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { FaultSpec } from '../world/emulator';
import { personalAccountsTenant } from '../emulator/fixture';
import { acrScope, clients, componentFixture, contoso, decodeClaims, devSubscription, emulatorCloud, entraToken, exchange, nullGuid, refreshToken, useEmulator } from './emulatorSupport';

/**
 * The component fixture with what only these rows need: a personal Microsoft account, and registries of their own
 * for the causes that are set per registry (a skewed clock, a data endpoint, regional endpoints, a TLS fault behind a proxy).
 */
function diagnosisFixture(): object {
  const fixture = JSON.parse(readFileSync(componentFixture, 'utf8')) as { tenants: object[]; identities: object[]; registries: object[] };
  const registry = (name: string, extra: object = {}) => ({
    name,
    subscription: devSubscription,
    resourceGroup: 'diagnose-rg',
    location: 'eastus',
    sku: 'Premium',
    adminUserEnabled: false,
    roles: [{ identity: 'puller', role: 'AcrPull' }],
    ...extra,
  });
  return {
    ...fixture,
    tenants: [...fixture.tenants, { id: personalAccountsTenant, displayName: 'Microsoft accounts', defaultDomain: 'live.com' }],
    identities: [
      ...fixture.identities,
      { name: 'carol', kind: 'user', personalAccount: true, displayName: 'Carol Personal', username: 'carol@outlook.example', objectId: '0b1d0000-0000-4000-8000-0000000000c0', tenants: [personalAccountsTenant] },
    ],
    registries: [
      ...fixture.registries,
      registry('contosoclock'),
      registry('contosodata', { dataEndpointEnabled: true }),
      registry('contosoproxy'),
      // Reader too: ARM lists its regional endpoints to the puller.
      registry('contosogeo', { replications: ['westeurope'], regionalEndpoints: true, roles: [{ identity: 'puller', role: 'AcrPull' }, { identity: 'puller', role: 'Reader' }] }),
    ],
  };
}

/** One cause the emulator (or the world around it) can force, and the one check that must fail for it, with its advice. */
interface Cause {
  readonly name: string;
  readonly registry: string;
  readonly failing?: CheckId;
  readonly advice?: RegExp;
  readonly repository?: string;
  readonly fault?: FaultSpec;
  readonly tenantId?: string;
  readonly clockOffsetMs?: number;
  /** The registry's login server runs this many seconds ahead (behind when negative). */
  readonly clockSkewSeconds?: number;
  /** VS Code's http.proxy setting. */
  readonly proxy?: string;
  readonly configJson?: object;
  /** Store a credential in Docker first, as ACR Access would, and tell the diagnosis it is ours. */
  readonly storeOurs?: boolean;
  /** The signed-in service principal; the puller (AcrPull where it has a role) when absent. */
  readonly client?: { clientId: string; secret: string };
  /** Signed in as the personal Microsoft account instead (a device code the test approves). */
  readonly personalAccount?: boolean;
  /** What checks saw, passing or failing, beyond the failing line's advice. */
  readonly seen?: Partial<Record<CheckId, RegExp>>;
}

/** In the proxy setting of one row: it must never reach a report. */
const proxyPassword = 'proxy-password-never-shown';

/**
 * ACR: Diagnose Access against real parts (issue #20): the emulator, a private dockerd, the docker config and
 * credential helpers. Each row forces one cause on a registry of its own (faults are per registry), so the rows
 * run at the same time against one emulator.
 */
describe('diagnose access: the failing line names the cause, with its advice', function () {
  const emulator = useEmulator(diagnosisFixture());
  let engine: DockerEngine;
  let dir: string;

  const causes: Cause[] = [
    { name: 'a healthy registry', registry: 'contosoapps', repository: 'hello', tenantId: contoso, storeOurs: true, seen: { roles: /Your role assignments on the registry and above it: AcrPull on registry contosoapps\./ } },
    {
      name: 'a firewall 403 on /v2/',
      registry: 'fabrikamhidden',
      failing: 'challenge',
      advice: /network rules \(firewall, or public network access off\)/,
      fault: { server: 'registry:fabrikamhidden', method: 'GET', path: '^/v2/$', mode: 'status', status: 403, body: { errors: [{ code: 'DENIED', message: 'client with IP 203.0.113.7 is not allowed access' }] } },
    },
    {
      name: 'a registry that refuses ARM tokens',
      registry: 'contosonoarm',
      tenantId: contoso,
      failing: 'exchange',
      advice: /refuses ARM-audience tokens \(authentication-as-arm is off\)/,
      // No repository named: the role assignments are shown all the same.
      seen: { roles: /AcrPull on registry contosonoarm\. No repository was named/ },
    },
        // The reader may read team/* only: a repository role, none on secret/db.
    {
      name: 'an ABAC registry without repository roles',
      registry: 'contosoabac',
      client: clients.reader,
      repository: 'secret/db',
      tenantId: contoso,
      failing: 'roles',
      advice: /Container Registry Repository Reader on repository secret\/db/,
      seen: { roles: /Container Registry Repository Reader on registry contosoabac, with a condition/ },
    },
    { name: 'a clock 10 minutes fast', registry: 'contosoapps', tenantId: contoso, clockOffsetMs: 10 * 60_000, failing: 'clock', advice: /more than 5 minutes off/ },
    // Behind rather than ahead: tokens it issues ahead of time would be refused by the registry process itself.
    {
      name: "a registry whose clock is 10 minutes behind",
      registry: 'contosoclock',
      tenantId: contoso,
      clockSkewSeconds: -600,
      failing: 'clock',
      advice: /more than 5 minutes off/,
      // Ten minutes and the time the answers took (the Date header and iat are whole seconds, rounded down).
      seen: { clock: /Date header: 60\d s; the token's iat: 60\d s/ },
    },
    {
      name: 'a personal Microsoft account',
      registry: 'contosoapps',
      tenantId: contoso,
      personalAccount: true,
      failing: 'signIn',
      advice: /A personal Microsoft account .* cannot be used with Azure Container Registry\. Sign in with a work or school account of the registry's tenant, or ask an owner of the registry to invite your account as a guest/,
      seen: { signIn: /tenant 9188040d-6c67-4c5b-b112-36a304b66dad/ },
    },
    {
      name: 'a data endpoint that does not resolve',
      registry: 'contosodata',
      tenantId: contoso,
      failing: 'dns',
      advice: /data endpoints \(contosodata\.eastus\.data\.azurecr\.invalid\), not from the login server: the DNS and firewall rules .* must allow the data endpoints too/,
    },
    {
      name: 'regional endpoints that do not resolve',
      registry: 'contosogeo',
      tenantId: contoso,
      failing: 'dns',
      advice: /^The regional endpoints \(contosogeo\.eastus\.geo\.azurecr\.invalid, contosogeo\.westeurope\.geo\.azurecr\.invalid\) are login servers of their own, one per geo-replica: the DNS and firewall rules .* must allow each regional endpoint/,
      seen: { dns: /Regional endpoint \(eastus\): contosogeo\.eastus\.geo\.azurecr\.invalid does not resolve .* Regional endpoint \(westeurope\): contosogeo\.westeurope\.geo\.azurecr\.invalid does not resolve/ },
    },
    {
      name: 'an untrusted certificate behind a proxy',
      registry: 'contosoproxy',
      tenantId: contoso,
      proxy: `http://diagnose:${proxyPassword}@proxy.contoso.example:3128`,
      failing: 'tls',
      advice: /a proxy is set \(http\.proxy names proxy\.contoso\.example:3128\): it probably intercepts TLS/,
      fault: { server: 'registry:contosoproxy', mode: 'tlsFailure' },
    },
    {
      name: 'an untrusted certificate',
      registry: 'fabrikamtools',
      failing: 'tls',
      advice: /does not trust the registry's certificate/,
      fault: { server: 'registry:fabrikamtools', mode: 'tlsFailure' },
    },
    { name: 'an unresolvable host', registry: 'nosuchregistry.invalid', failing: 'dns', advice: /privatelink\.azurecr\.io zone/ },
    { name: 'a missing credential helper', registry: 'contosoapps', tenantId: contoso, configJson: { credsStore: 'acr-diagnose-missing' }, failing: 'credentials', advice: /docker-credential-acr-diagnose-missing is not on PATH/ },
    {
      name: 'an engine that cannot reach the registry',
      registry: 'contososcale',
      tenantId: contoso,
      // The engine asks for its token with GET; the diagnosis itself uses POST (docs/protocol.md section 4).
      fault: { server: 'registry:contososcale', method: 'GET', path: '^/oauth2/token', mode: 'reset' },
      failing: 'engine',
      advice: /The Docker engine could not log in to .*connection reset by peer/,
    },
  ];

  before(async () => {
    engine = await startDockerEngine();
    dir = await mkdtemp(join(tmpdir(), 'acr-diagnose-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails only the check of each cause, with its advice; every other line passes or says why it was skipped', async () => {
    const cloud = emulatorCloud(emulator());
    const trust: HostTrust = { cloud, armLoginServers: emulator().registries.map((registry) => registry.loginServer), userTrustedHosts: ['nosuchregistry.invalid'] };
    for (const cause of causes) if (cause.fault) await emulator().client.addFault(cause.fault);
    for (const cause of causes) if (cause.clockSkewSeconds) await emulator().client.setClockSkew(cause.registry, cause.clockSkewSeconds);
    const owner = new ClientSecretCredential(contoso, clients.owner.clientId, clients.owner.secret, { authorityHost: cloud.authorityHost, disableInstanceDiscovery: true });
    // What ARM says of each registry, as the tree's registry items carry it (their data endpoints, their role assignments' scope).
    const summaries = await listRegistries(() => owner, cloud, { id: devSubscription, name: 'Contoso Dev', tenantId: contoso });

    const reports = await Promise.all(
      causes.map(async (cause, index) => {
        const loginServer = cause.registry.includes('.') ? cause.registry : emulator().loginServer(cause.registry);
        const configDir = join(dir, `config-${index}`);
        await mkdir(configDir);
        if (cause.configJson) await writeFile(join(configDir, 'config.json'), JSON.stringify(cause.configJson));
        const env = { ...process.env, DOCKER_HOST: engine.host, DOCKER_CONFIG: configDir };
        let ourSecret: string | undefined;
        if (cause.storeOurs) {
          ourSecret = await refreshToken(loginServer, await entraToken(emulator(), clients.puller, acrScope));
          await storeDockerCredential({ serverAddress: loginServer, username: nullGuid, secret: ourSecret }, { env });
        }
        const client = cause.client ?? clients.puller;
        const inputs: DiagnosisInputs = {
          loginServer,
          trust,
          tenantId: cause.tenantId,
          registry: summaries.find((summary: RegistrySummary) => summary.name === cause.registry),
          proxy: cause.proxy,
          repository: cause.repository,
          credential: cause.personalAccount ? personalAccount() : new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: cloud.authorityHost, disableInstanceDiscovery: true }),
          engine: { env, platform: process.platform, engine: 'docker' },
          ourSecret,
          now: () => Date.now() + (cause.clockOffsetMs ?? 0),
        };
        return { cause, diagnosis: await diagnose(inputs), ourSecret };
      }),
    );

    for (const { cause, diagnosis, ourSecret } of reports) {
      const lines = diagnosis.results.map((result) => `${result.id}: ${JSON.stringify(result.outcome)}`).join('\n');
      const failures = diagnosis.results.filter((result) => result.outcome.status === 'failed');
      assert.deepEqual(
        failures.map((result) => result.id),
        cause.failing ? [cause.failing] : [],
        `${cause.name}:\n${lines}`,
      );
      for (const { id, outcome } of diagnosis.results) {
        if (outcome.status === 'failed') assert.match(outcome.advice, cause.advice!, `${cause.name}: the advice\n${lines}`);
        if (outcome.status === 'skipped') assert.ok(outcome.reason.length > 0, `${cause.name}: a skipped check says why`);
        const seen = cause.seen?.[id];
        if (seen) assert.match(outcome.status === 'skipped' ? '' : outcome.seen, seen, `${cause.name}: what ${id} saw\n${lines}`);
      }
      const markdown = diagnosisMarkdown(diagnosis);
      const firstLine = markdown.split('\n').find((line) => line.startsWith('- '));
      if (cause.failing) assert.match(firstLine!, /^- Failed: /, `${cause.name}: the failing check comes first\n${markdown}`);
      assert.doesNotMatch(markdown, /eyJ/, `${cause.name}: no token in the report`);
      assert.ok(!markdown.includes(proxyPassword), `${cause.name}: no proxy password in the report`);
      if (ourSecret) assert.ok(!markdown.includes(ourSecret), `${cause.name}: not the stored secret`);
    }
    const healthy = reports[0].diagnosis.results;
    assert.deepEqual(
      healthy.filter((result) => result.outcome.status === 'skipped').map((result) => result.id),
      ['dns', 'renewals'],
      "on a healthy registry only DNS (the emulator's login servers are 127.0.0.1:<port>) and what ACR Access did (no renewal schedule here) are skipped",
    );
  });

  it("lists a registry's regional endpoints as the DNS check reads them from ARM, none when they are off, and says ARM's refusal", async () => {
    const cloud = emulatorCloud(emulator());
    const credential = (client: { clientId: string; secret: string }) => new ClientSecretCredential(contoso, client.clientId, client.secret, { authorityHost: cloud.authorityHost, disableInstanceDiscovery: true });
    const summaries = await listRegistries(() => credential(clients.owner), cloud, { id: devSubscription, name: 'Contoso Dev', tenantId: contoso });
    const summary = (name: string) => summaries.find((candidate) => candidate.name === name) ?? assert.fail(`ARM did not list ${name}`);
    assert.deepEqual(await listRegionalEndpoints(credential(clients.owner), cloud, summary('contosogeo')), ['contosogeo.eastus.geo.azurecr.invalid', 'contosogeo.westeurope.geo.azurecr.invalid']);
    assert.deepEqual(await listRegionalEndpoints(credential(clients.owner), cloud, summary('contosoapps')), []);
    // AcrPull alone gives no ARM read (docs/protocol.md section 8): the check says so and keeps its outcome.
    await assert.rejects(listRegionalEndpoints(credential(clients.puller), cloud, summary('contosoapps')), /does not have authorization to perform action 'Microsoft\.ContainerRegistry\/registries\/read'/);
    const inputs: DiagnosisInputs = {
      loginServer: emulator().loginServer('contosoapps'),
      trust: { cloud },
      registry: summary('contosoapps'),
      credential: credential(clients.puller),
      engine: { env: process.env, platform: process.platform, engine: 'docker' },
      now: Date.now,
    };
    const refused = await checkDns(inputs, {});
    assert.equal(refused.status, 'skipped');
    assert.match(refused.status === 'skipped' ? refused.reason : '', /^127\.0\.0\.1 is an IP address: there is no name to resolve\. The regional endpoints could not be listed: The client .* does not have authorization/);
    // With Reader too, it lists them, and their not resolving is for the network administrator.
    const unresolved = await checkDns({ ...inputs, loginServer: emulator().loginServer('contosogeo'), registry: summary('contosogeo') }, {});
    assert.deepEqual(unresolved.status === 'failed' && [unresolved.actor, unresolved.advice.startsWith('The regional endpoints (contosogeo.eastus.geo.azurecr.invalid, ')], ['networkAdmin', true]);
  });

  it("the login server refuses a personal account's token, as ACR does", async () => {
    const token = (await personalAccount().getToken(acrScope))?.token ?? assert.fail('no token');
    assert.deepEqual([decodeClaims(token).tid, decodeClaims(token).idp], [personalAccountsTenant, 'live.com']);
    const response = await exchange(emulator().loginServer('contosoapps'), token);
    assert.equal(response.status, 401);
    assert.match(await response.text(), /personal Microsoft account/);
  });

  /** The personal account, signed in with a device code that the test approves as the user would. */
  function personalAccount(): TokenCredential {
    return new DeviceCodeCredential({
      tenantId: personalAccountsTenant,
      clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
      authorityHost: emulator().entra.authorityHost,
      disableInstanceDiscovery: true,
      userPromptCallback: (prompt) => void emulator().client.approveDeviceCode(prompt.userCode, 'carol'),
    });
  }
});
