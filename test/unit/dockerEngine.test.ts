import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDockerEngine, discoverEngine, discoverPodman, dockerodeOptions, EngineEnvironment, hostSystem } from '../../src/docker/engine';
import { DockerConfigError, DockerEngineUnavailableError, permissionAdvice } from '../../src/docker/errors';

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

  it('finds Podman through CONTAINER_HOST first, then the rootless socket under XDG_RUNTIME_DIR, then /run/podman; on Windows the Podman machine pipe', async () => {
    const runtimeDir = await mkdtemp(join(dir, 'xdg-'));
    assert.deepEqual(await discoverPodman(linux({ CONTAINER_HOST: 'unix:///srv/podman.sock', XDG_RUNTIME_DIR: runtimeDir })), {
      host: 'unix:///srv/podman.sock',
      source: 'CONTAINER_HOST',
      tried: ['CONTAINER_HOST=unix:///srv/podman.sock'],
      engines: ['podman'],
      system: { platform: 'linux', wsl: false },
    });
    const socket = join(runtimeDir, 'podman', 'podman.sock');
    const absent = await discoverPodman(linux({ XDG_RUNTIME_DIR: runtimeDir }));
    assert.equal(absent.host, `unix://${socket}`);
    assert.deepEqual(absent.tried, ['CONTAINER_HOST (not set)', `${socket} (absent)`, '/run/podman/podman.sock (absent)']);

    await mkdir(join(runtimeDir, 'podman'));
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const found = await discoverPodman(linux({ XDG_RUNTIME_DIR: runtimeDir }));
      assert.equal(found.host, `unix://${socket}`);
      assert.deepEqual(found.tried, ['CONTAINER_HOST (not set)', socket]);
    } finally {
      server.close();
    }
    assert.equal((await discoverPodman(linux({}))).host, 'unix:///run/podman/podman.sock');
    const windows = await discoverPodman({ env: {}, platform: 'win32' });
    assert.equal(windows.host, 'npipe:////./pipe/podman-machine-default');
    assert.deepEqual(await dockerodeOptions(windows), { socketPath: '//./pipe/podman-machine-default' });
  });

  it('tells WSL apart from other Linux by WSL_DISTRO_NAME or a Microsoft kernel, and only on linux', () => {
    const system = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv, osRelease?: string) => hostSystem({ env, platform, ...(osRelease ? { osRelease } : {}) });
    assert.equal(system('linux', {}, '6.1.0-18-amd64').wsl, false);
    assert.equal(system('linux', { WSL_DISTRO_NAME: 'Ubuntu' }).wsl, true);
    assert.equal(system('linux', {}, '5.15.153.1-microsoft-standard-WSL2').wsl, true);
    assert.equal(system('win32', { WSL_DISTRO_NAME: 'Ubuntu' }, '10.0.22631').wsl, false);
  });

  // The socket is a real path that does not exist, so each case fails to connect the same way; the advice follows the platform given.
  const adviceCases: { system: string; environment: Omit<EngineEnvironment, 'env'>; env?: NodeJS.ProcessEnv; says: RegExp[]; never: RegExp[] }[] = [
    { system: 'Windows', environment: { platform: 'win32', osRelease: '10.0.22631' }, says: [/Start Docker Desktop/], never: [/systemctl/, /docker group/, /WSL/] },
    { system: 'macOS', environment: { platform: 'darwin', osRelease: '23.4.0' }, says: [/Start Docker Desktop/], never: [/systemctl/, /docker group/, /WSL/] },
    { system: 'Linux', environment: { platform: 'linux', osRelease: '6.1.0-18-amd64' }, says: [/`sudo systemctl start docker`/], never: [/Docker Desktop/, /WSL/] },
    { system: 'WSL (kernel)', environment: { platform: 'linux', osRelease: '5.15.153.1-microsoft-standard-WSL2' }, says: [/Docker Desktop on Windows and turn on WSL integration/], never: [/systemctl/] },
    { system: 'WSL (variable)', environment: { platform: 'linux', osRelease: '6.6.0' }, env: { WSL_DISTRO_NAME: 'Ubuntu' }, says: [/WSL integration/], never: [/systemctl/] },
    { system: 'Linux, Podman chosen', environment: { platform: 'linux', engine: 'podman' }, says: [/Cannot reach Podman/, /`systemctl --user start podman.socket`/, /CONTAINER_HOST/], never: [/Docker Desktop/, /systemctl start docker/] },
    { system: 'macOS, Podman chosen', environment: { platform: 'darwin', engine: 'podman' }, says: [/`podman machine start`/], never: [/systemctl/] },
  ];
  for (const { system, environment, env, says, never } of adviceCases) {
    it(`advises how to start the engine on ${system}`, async () => {
      const socket = join(dir, 'no-engine.sock');
      const endpoint = { DOCKER_HOST: `unix://${socket}`, CONTAINER_HOST: `unix://${socket}` };
      await assert.rejects(connectDockerEngine({ ...environment, env: { DOCKER_CONFIG: configDir, ...endpoint, ...env } }), (error: unknown) => {
        assert.ok(error instanceof DockerEngineUnavailableError);
        for (const pattern of says) assert.match(error.message, pattern);
        for (const pattern of never) assert.doesNotMatch(error.message, pattern);
        return true;
      });
    });
  }

  it('advises the docker group for a refused socket on Linux only', () => {
    const advice = (platform: NodeJS.Platform, wsl = false) => permissionAdvice('docker', { platform, wsl });
    assert.match(advice('linux'), /docker group/);
    assert.match(advice('linux', true), /docker group/);
    assert.match(advice('win32'), /docker-users group/);
    assert.doesNotMatch(advice('win32'), /docker group/);
    assert.doesNotMatch(advice('darwin'), /group/);
    assert.doesNotMatch(permissionAdvice('podman', { platform: 'linux', wsl: false }), /docker group/);
  });
});
