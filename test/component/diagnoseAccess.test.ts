import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTrust } from '../../src/acr/loginServer';
import { storeDockerCredential } from '../../src/docker/credentials';
import type { CheckId, DiagnosisInputs } from '../../src/diagnosis/diagnosis';
import { diagnose } from '../../src/diagnosis/diagnose';
import { diagnosisMarkdown } from '../../src/diagnosis/report';
import { DockerEngine, startDockerEngine } from '../world/dockerEngine';
import { FaultSpec } from '../world/emulator';
import { acrScope, clients, contoso, emulatorCloud, entraToken, nullGuid, refreshToken, useEmulator } from './emulatorSupport';

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
  readonly configJson?: object;
  /** Store a credential in Docker first, as ACR Access would, and tell the diagnosis it is ours. */
  readonly storeOurs?: boolean;
  /** The signed-in service principal; the puller (AcrPull where it has a role) when absent. */
  readonly client?: { clientId: string; secret: string };
}

/**
 * ACR: Diagnose Access against real parts (issue #20): the emulator, a private dockerd, the docker config and
 * credential helpers. Each row forces one cause on a registry of its own (faults are per registry), so the rows
 * run at the same time against one emulator.
 */
describe('diagnose access: the failing line names the cause, with its advice', function () {
  const emulator = useEmulator();
  let engine: DockerEngine;
  let dir: string;

  const causes: Cause[] = [
    { name: 'a healthy registry', registry: 'contosoapps', repository: 'hello', tenantId: contoso, storeOurs: true },
    {
      name: 'a firewall 403 on /v2/',
      registry: 'fabrikamhidden',
      failing: 'challenge',
      advice: /network rules \(firewall, or public network access off\)/,
      fault: { server: 'registry:fabrikamhidden', method: 'GET', path: '^/v2/$', mode: 'status', status: 403, body: { errors: [{ code: 'DENIED', message: 'client with IP 203.0.113.7 is not allowed access' }] } },
    },
    { name: 'a registry that refuses ARM tokens', registry: 'contosonoarm', tenantId: contoso, failing: 'exchange', advice: /refuses ARM-audience tokens \(authentication-as-arm is off\)/ },
        // The reader may read team/* only: a repository role, none on secret/db.
    {
      name: 'an ABAC registry without repository roles',
      registry: 'contosoabac',
      client: clients.reader,
      repository: 'secret/db',
      tenantId: contoso,
      failing: 'roles',
      advice: /Container Registry Repository Reader on repository secret\/db/,
    },
    { name: 'a clock 10 minutes fast', registry: 'contosoapps', tenantId: contoso, clockOffsetMs: 10 * 60_000, failing: 'clock', advice: /more than 5 minutes off/ },
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
    const { ClientSecretCredential } = await import('@azure/identity');
    const cloud = emulatorCloud(emulator());
    const trust: HostTrust = { cloud, armLoginServers: emulator().registries.map((registry) => registry.loginServer), userTrustedHosts: ['nosuchregistry.invalid'] };
    for (const cause of causes) if (cause.fault) await emulator().client.addFault(cause.fault);

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
        const inputs: DiagnosisInputs = {
          loginServer,
          trust,
          tenantId: cause.tenantId,
          repository: cause.repository,
          credential: new ClientSecretCredential(contoso, (cause.client ?? clients.puller).clientId, (cause.client ?? clients.puller).secret, { authorityHost: cloud.authorityHost, disableInstanceDiscovery: true }),
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
      for (const { outcome } of diagnosis.results) {
        if (outcome.status === 'failed') assert.match(outcome.advice, cause.advice!, `${cause.name}: the advice\n${lines}`);
        if (outcome.status === 'skipped') assert.ok(outcome.reason.length > 0, `${cause.name}: a skipped check says why`);
      }
      const markdown = diagnosisMarkdown(diagnosis);
      const firstLine = markdown.split('\n').find((line) => line.startsWith('- '));
      if (cause.failing) assert.match(firstLine!, /^- Failed: /, `${cause.name}: the failing check comes first\n${markdown}`);
      assert.doesNotMatch(markdown, /eyJ/, `${cause.name}: no token in the report`);
      if (ourSecret) assert.ok(!markdown.includes(ourSecret), `${cause.name}: not the stored secret`);
    }
    const healthy = reports[0].diagnosis.results;
    assert.deepEqual(
      healthy.filter((result) => result.outcome.status === 'skipped').map((result) => result.id),
      ['dns', 'renewals'],
      "on a healthy registry only DNS (the emulator's login servers are 127.0.0.1:<port>) and what ACR Access did (no renewal schedule here) are skipped",
    );
  });
});
