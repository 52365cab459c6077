import assert from 'node:assert/strict';
import { AcrError } from '../../src/acr/errors';
import { checkFreshPassword } from '../../src/credentials/freshPassword';
import { ciEnvironment, dockerConfigJson, dockerLoginCommand, externalSecretYaml, kubernetesNameProblem, kubernetesSecretYaml } from '../../src/credentials/outputs';

const credential = { loginServer: 'contosoapps.azurecr.io', username: 'ci-pull', password: 'pa$s\'word' };

describe('credentials: what a new token password turns into', () => {
  it('a docker login in bash or zsh that reads the password without echo, then gives it to docker on stdin', () => {
    const command = dockerLoginCommand(credential, 'posix');
    assert.equal(command, `read -rs ACR_TOKEN_PASSWORD\nprintf '%s' "$ACR_TOKEN_PASSWORD" | docker login contosoapps.azurecr.io --username ci-pull --password-stdin`);
    assert.ok(!command.includes(credential.password));
  });

  it('the same in PowerShell: Read-Host into an environment variable, piped to docker', () => {
    const command = dockerLoginCommand(credential, 'powershell');
    assert.equal(
      command,
      `$env:ACR_TOKEN_PASSWORD = [Net.NetworkCredential]::new('', (Read-Host -AsSecureString)).Password\n$env:ACR_TOKEN_PASSWORD | docker login contosoapps.azurecr.io --username ci-pull --password-stdin`,
    );
    assert.ok(!command.includes(credential.password));
  });

  it('quotes a user name each shell would otherwise read', () => {
    assert.match(dockerLoginCommand({ loginServer: 'r.azurecr.io', username: "a b'c" }, 'posix'), /--username 'a b'\\''c'/);
    assert.match(dockerLoginCommand({ loginServer: 'r.azurecr.io', username: "a b'c" }, 'powershell'), /--username 'a b''c'/);
  });

  it('a dockerconfigjson with username, password and auth for the login server', () => {
    const parsed = JSON.parse(dockerConfigJson(credential)) as { auths: Record<string, { username: string; password: string; auth: string }> };
    const entry = parsed.auths['contosoapps.azurecr.io'];
    assert.equal(entry.username, 'ci-pull');
    assert.equal(entry.password, credential.password);
    assert.equal(Buffer.from(entry.auth, 'base64').toString(), `ci-pull:${credential.password}`);
  });

  it('a Kubernetes Secret of type kubernetes.io/dockerconfigjson in the namespace asked', () => {
    const yaml = kubernetesSecretYaml(credential, { name: 'acr-pull', namespace: 'apps' });
    assert.match(yaml, /^kind: Secret$/m);
    assert.match(yaml, /^ {2}namespace: apps$/m);
    assert.match(yaml, /^type: kubernetes\.io\/dockerconfigjson$/m);
    const encoded = /^ {2}\.dockerconfigjson: (\S+)$/m.exec(yaml)?.[1] ?? '';
    assert.equal(Buffer.from(encoded, 'base64').toString(), dockerConfigJson(credential));
    assert.equal(kubernetesNameProblem('apps'), undefined);
    assert.ok(kubernetesNameProblem('Apps_1'));
  });

  it('an ExternalSecret with its ACRAccessToken generator, scoped to a single repository and never holding a password', () => {
    const yaml = externalSecretYaml({ loginServer: 'contosoapps.azurecr.io', tenantId: 'tid', name: 'acr', namespace: 'apps', repository: 'hello', actions: ['pull'] });
    assert.match(yaml, /^kind: ACRAccessToken$/m);
    assert.match(yaml, /^ {2}registry: contosoapps\.azurecr\.io$/m);
    assert.match(yaml, /^ {2}scope: "repository:hello:pull"$/m);
    assert.match(yaml, /^kind: ExternalSecret$/m);
    assert.match(yaml, /^ {6}type: kubernetes\.io\/dockerconfigjson$/m);
    assert.match(yaml, /"password": "\{\{ \.password \}\}"/);
    assert.doesNotMatch(externalSecretYaml({ loginServer: 'r', name: 'acr', namespace: 'n', repository: 'team/*' }), /scope:/);
  });

  it('CI variables naming server, token and password', () => {
    assert.equal(ciEnvironment(credential), `ACR_LOGIN_SERVER=contosoapps.azurecr.io\nACR_TOKEN_NAME=ci-pull\nACR_TOKEN_PASSWORD=${credential.password}\n`);
  });
});

describe('credentials: testing a fresh password', () => {
  const rejected = (): AcrError => new AcrError('credentialsRejected', 'r.azurecr.io');
  const noteWait =
    (waits: number[]) =>
    (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };

  it('retries refusals with the backoff and reports acceptance, saying so before each wait', async () => {
    let calls = 0;
    const waits: number[] = [];
    const notes: number[] = [];
    const result = await checkFreshPassword(
      () => (++calls < 3 ? Promise.reject(rejected()) : Promise.resolve()),
      { backoffMs: [1, 2, 3], sleep: noteWait(waits), onRetry: (attempt) => notes.push(attempt) },
    );
    assert.deepEqual(result, { kind: 'accepted', attempts: 3 });
    assert.deepEqual(waits, [1, 2]);
    assert.deepEqual(notes, [1, 2]);
  });

  it('after the last attempt says "not yet", never that the password is wrong', async () => {
    const result = await checkFreshPassword(() => Promise.reject(rejected()), { backoffMs: [1, 1], sleep: () => Promise.resolve() });
    assert.deepEqual(result, { kind: 'notYet', attempts: 3 });
  });

  it('throws other failures at once', async () => {
    const network = new AcrError('network', 'r.azurecr.io');
    await assert.rejects(checkFreshPassword(() => Promise.reject(network), { backoffMs: [1], sleep: () => Promise.resolve() }), network);
  });
});
