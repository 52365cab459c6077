import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDockerEngine, discoverEngine, dockerodeOptions, EngineEnvironment } from '../../src/docker/engine';
import { DockerConfigError, DockerEngineUnavailableError } from '../../src/docker/errors';

describe('docker engine discovery (from env and context files, no engine needed)', () => {
  let dir: string;
  let configDir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acr-docker-engine-unit-'));
  });
  beforeEach(async () => {
    configDir = await mkdtemp(join(dir, 'config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const linux = (env: NodeJS.ProcessEnv): EngineEnvironment => ({ env: { DOCKER_CONFIG: configDir, ...env }, platform: 'linux' });

  const addContext = async (name: string, host: string, withTls = false): Promise<void> => {
    const hash = createHash('sha256').update(name).digest('hex');
    await mkdir(join(configDir, 'contexts', 'meta', hash), { recursive: true });
    await writeFile(join(configDir, 'contexts', 'meta', hash, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
    if (withTls) {
      const tlsDir = join(configDir, 'contexts', 'tls', hash, 'docker');
      await mkdir(tlsDir, { recursive: true });
      for (const file of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(tlsDir, file), `context ${file}`);
    }
  };
  const selectContext = (name: string): Promise<void> => writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));

  it('takes DOCKER_HOST first, even when a context is selected', async () => {
    await addContext('remote', 'tcp://remote.example:2375');
    await selectContext('remote');
    const location = await discoverEngine(linux({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }));
    assert.equal(location.host, 'unix:///run/user/1000/docker.sock');
    assert.equal(location.source, 'DOCKER_HOST');
    assert.deepEqual(await dockerodeOptions(location), { socketPath: '/run/user/1000/docker.sock' });
  });

  it('uses TLS client certificates from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', async () => {
    const certs = await mkdtemp(join(dir, 'certs-'));
    for (const file of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(certs, file), `env ${file}`);
    const location = await discoverEngine(linux({ DOCKER_HOST: 'tcp://engine.example', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }));
    assert.deepEqual(location.tls, { caFile: join(certs, 'ca.pem'), certFile: join(certs, 'cert.pem'), keyFile: join(certs, 'key.pem') });
    const options = await dockerodeOptions(location);
    assert.equal(options.protocol, 'https');
    assert.equal(options.host, 'engine.example');
    assert.equal(options.port, 2376);
    assert.equal(String(options.cert), 'env cert.pem');
  });

  it('talks plain HTTP on 2375 to a tcp DOCKER_HOST without DOCKER_TLS_VERIFY', async () => {
    const location = await discoverEngine(linux({ DOCKER_HOST: 'tcp://127.0.0.1' }));
    assert.equal(location.tls, undefined);
    assert.deepEqual(await dockerodeOptions(location), { protocol: 'http', host: '127.0.0.1', port: 2375 });
  });

  it('says where the certificates were looked for when DOCKER_TLS_VERIFY is set but they are missing', async () => {
    const location = await discoverEngine(linux({ DOCKER_HOST: 'tcp://engine.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'no-certs') }));
    await assert.rejects(dockerodeOptions(location), /cannot read the TLS certificates.*DOCKER_CERT_PATH/);
  });

  it('then follows config.json currentContext to contexts/meta/<sha256 of name>/meta.json', async () => {
    await addContext('remote', 'tcp://remote.example:2376', true);
    await selectContext('remote');
    const location = await discoverEngine(linux({}));
    assert.equal(location.host, 'tcp://remote.example:2376');
    assert.equal(location.source, 'docker context "remote"');
    assert.deepEqual(location.tried, ['DOCKER_HOST (not set)', 'docker context "remote" (tcp://remote.example:2376)']);
    const options = await dockerodeOptions(location);
    assert.equal(options.protocol, 'https');
    assert.equal(String(options.ca), 'context ca.pem');
  });

  it('lets DOCKER_CONTEXT override the config file, and reaches ssh hosts', async () => {
    await addContext('remote', 'tcp://remote.example:2375');
    await addContext('builder', 'ssh://deploy@builder.example');
    await selectContext('remote');
    const location = await discoverEngine(linux({ DOCKER_CONTEXT: 'builder' }));
    assert.equal(location.host, 'ssh://deploy@builder.example');
    assert.deepEqual(await dockerodeOptions(location), { protocol: 'ssh', host: 'builder.example', port: 22, username: 'deploy' });
  });

  it('falls back to /var/run/docker.sock with no DOCKER_HOST and the default context', async () => {
    await selectContext('default');
    const location = await discoverEngine(linux({}));
    assert.equal(location.host, 'unix:///var/run/docker.sock');
    assert.deepEqual(location.tried, ['DOCKER_HOST (not set)', 'docker context "default"', 'platform default unix:///var/run/docker.sock']);
  });

  it('falls back to the docker_engine named pipe on Windows', async () => {
    const location = await discoverEngine({ env: { DOCKER_CONFIG: configDir }, platform: 'win32' });
    assert.equal(location.host, 'npipe:////./pipe/docker_engine');
    assert.deepEqual(location.tried, ['DOCKER_HOST (not set)', 'docker context (none selected)', 'platform default npipe:////./pipe/docker_engine']);
    assert.deepEqual(await dockerodeOptions(location), { socketPath: '//./pipe/docker_engine' });
  });

  it('names a selected context that does not exist', async () => {
    await selectContext('gone');
    await assert.rejects(discoverEngine(linux({})), (error: unknown) => {
      assert.ok(error instanceof DockerEngineUnavailableError);
      assert.match(error.message, /no such context.*docker context use default/);
      return true;
    });
  });

  it('refuses a config.json that does not parse, naming it', async () => {
    await writeFile(join(configDir, 'config.json'), '{"currentContext": ');
    await assert.rejects(discoverEngine(linux({})), (error: unknown) => error instanceof DockerConfigError && error.file === join(configDir, 'config.json'));
  });

  it('refuses a DOCKER_HOST scheme it cannot reach the engine through', async () => {
    const location = await discoverEngine(linux({ DOCKER_HOST: 'fd://' }));
    await assert.rejects(dockerodeOptions(location), /fd: scheme is not supported; use unix:\/\/, npipe:\/\/, tcp:\/\/ or ssh:\/\//);
  });

  it('reports an engine that is not there with what was tried and what to do', async () => {
    const socket = join(dir, 'no-engine.sock');
    await assert.rejects(connectDockerEngine(linux({ DOCKER_HOST: `unix://${socket}` })), (error: unknown) => {
      assert.ok(error instanceof DockerEngineUnavailableError);
      assert.equal(error.endpoint, `unix://${socket}`);
      assert.deepEqual(error.tried, [`DOCKER_HOST=unix://${socket}`]);
      assert.match(error.message, /nothing is listening there/);
      assert.match(error.message, /Start Docker/);
      return true;
    });
  });
});
