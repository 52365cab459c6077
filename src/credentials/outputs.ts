/**
 * What a freshly generated token password turns into, for each place it may go. Pure text builders: the
 * password is only ever in the returned text, never on a command line.
 */
import { pipeSecret, readSecretInto, Shell, shellWord } from '../docker/shell';

export interface TokenCredentialForOutput {
  readonly loginServer: string;
  readonly username: string;
  readonly password: string;
}

/**
 * A `docker login` in the user's shell that reads the password from stdin: the password is pasted into a
 * variable without echo (first line), then piped to docker (second line), so it is on no command line.
 */
export function dockerLoginCommand(credential: Omit<TokenCredentialForOutput, 'password'>, shell: Shell, passwordVariable = 'ACR_TOKEN_PASSWORD'): string {
  const login = `docker login ${shellWord(shell, credential.loginServer)} --username ${shellWord(shell, credential.username)} --password-stdin`;
  return [readSecretInto(shell, passwordVariable), pipeSecret(shell, passwordVariable, login)].join('\n');
}

/** The `config.json` content docker and Kubernetes read: `auths[<server>]` with username, password and auth. */
export function dockerConfigJson(credential: TokenCredentialForOutput): string {
  const auth = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
  return JSON.stringify({ auths: { [credential.loginServer]: { username: credential.username, password: credential.password, auth } } });
}

/** A Kubernetes names (a DNS-1123 subdomain label) or undefined: lower-case letters, digits and -, at most 63. */
export function kubernetesNameProblem(name: string): string | undefined {
  if (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) return undefined;
  return 'lower-case letters, digits and -, starting and ending with a letter or digit, at most 63 characters';
}

/** A Kubernetes Secret of type `kubernetes.io/dockerconfigjson`, as YAML (what `kubectl create secret docker-registry` makes). */
export function kubernetesSecretYaml(credential: TokenCredentialForOutput, options: { name: string; namespace: string }): string {
  const encoded = Buffer.from(dockerConfigJson(credential)).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${options.name}`,
    `  namespace: ${options.namespace}`,
    'type: kubernetes.io/dockerconfigjson',
    'data:',
    `  .dockerconfigjson: ${encoded}`,
    '',
  ].join('\n');
}

/**
 * An External Secrets `ACRAccessToken` generator and the `ExternalSecret` that writes its output as a
 * dockerconfigjson Secret. The generator gets its own short-lived ACR token from an Entra identity, so no
 * token password goes into the cluster; `scope` narrows it to one repository, which the generator's scope
 * grammar allows only without wildcards.
 */
export function externalSecretYaml(options: { loginServer: string; tenantId?: string; name: string; namespace: string; repository?: string; actions?: readonly string[] }): string {
  const scope = options.repository && !options.repository.includes('*') ? `repository:${options.repository}:${(options.actions?.length ? options.actions : ['pull']).join(',')}` : undefined;
  const auths = JSON.stringify({ auths: { [options.loginServer]: { username: '{{ .username }}', password: '{{ .password }}' } } }, undefined, 2);
  return [
    'apiVersion: generators.external-secrets.io/v1alpha1',
    'kind: ACRAccessToken',
    'metadata:',
    `  name: ${options.name}`,
    `  namespace: ${options.namespace}`,
    'spec:',
    `  tenantId: ${options.tenantId ?? '<tenant id>'}`,
    `  registry: ${options.loginServer}`,
    ...(scope ? [`  scope: "${scope}"`] : []),
    '  auth:',
    '    # Pick one: workloadIdentity, managedIdentity or servicePrincipal, with AcrPull (or more) on the registry.',
    '    workloadIdentity:',
    '      serviceAccountRef:',
    '        name: "<service account>"',
    '---',
    'apiVersion: external-secrets.io/v1beta1',
    'kind: ExternalSecret',
    'metadata:',
    `  name: ${options.name}`,
    `  namespace: ${options.namespace}`,
    'spec:',
    '  refreshInterval: 3h',
    '  dataFrom:',
    '    - sourceRef:',
    '        generatorRef:',
    '          apiVersion: generators.external-secrets.io/v1alpha1',
    '          kind: ACRAccessToken',
    `          name: ${options.name}`,
    '  target:',
    `    name: ${options.name}`,
    '    template:',
    '      type: kubernetes.io/dockerconfigjson',
    '      data:',
    '        .dockerconfigjson: |',
    ...auths.split('\n').map((line) => `          ${line}`),
    '',
  ].join('\n');
}

/** Environment variables for a CI system's secret settings, one `NAME=value` a line. */
export function ciEnvironment(credential: TokenCredentialForOutput): string {
  return [`ACR_LOGIN_SERVER=${credential.loginServer}`, `ACR_TOKEN_NAME=${credential.username}`, `ACR_TOKEN_PASSWORD=${credential.password}`, ''].join('\n');
}
