import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { splitScopeMapActions } from '../azure/tokenRules';
import { GeneratedPassword } from '../azure/tokens';
import { isCancellation } from '../cancellation';
import { checkFreshPassword, FreshPasswordResult, freshPasswordResultMessage, freshPasswordRetryMessage } from '../credentials/freshPassword';
import { ciEnvironment, dockerLoginCommand, externalSecretYaml, kubernetesNameProblem, kubernetesSecretYaml } from '../credentials/outputs';
import { otherShell, shellLabel } from '../docker/shell';
import { terminalShell } from '../settings';
import { errorMessage } from '../failures';
import { RegistryNode } from '../tree/nodes';
import { logInWithProgress } from './logInDocker';
import { Services } from './services';

export const tokenPasswordPanelType = 'acrAccess.tokenPassword';

type Output = 'password' | 'dockerLogin' | 'kubernetesSecret' | 'externalSecret' | 'ci';

type FromPanel = { type: 'copy'; output: Output } | { type: 'test' } | { type: 'signInDocker' } | { type: 'namespace' } | { type: 'shell' };

/**
 * The once-only password panel: the new password and what it turns into (a docker login reading it from
 * stdin, a Kubernetes dockerconfigjson Secret, an External Secrets generator, CI variables), with Test and
 * Sign In Docker. The password lives only in this panel's page and in memory: the page keeps no state, the
 * panel is not restored after a reload, and closing it is the end of it.
 */
export function showTokenPassword(services: Services, registry: RegistryNode, password: GeneratedPassword, actions: readonly string[]): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(
    tokenPasswordPanelType,
    vscode.l10n.t('Token {0}: new {1}', password.username, password.name),
    vscode.ViewColumn.Active,
    { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] },
  );
  const closed = new AbortController();
  const loginServer = registry.loginServer;
  const credential = { loginServer, username: password.username, password: password.value };
  let namespace = 'default';
  // The docker login comes in the user's shell; the panel's other-shell button switches it.
  let shell = terminalShell();
  const secretName = `${registry.summary?.name ?? 'acr'}-${password.username}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
  const { patterns, permissions } = splitScopeMapActions(actions);
  const outputs = (): Record<Output, string> => ({
    password: password.value,
    dockerLogin: dockerLoginCommand(credential, shell),
    kubernetesSecret: kubernetesSecretYaml(credential, { name: secretName, namespace }),
    externalSecret: externalSecretYaml({
      loginServer,
      tenantId: registry.summary?.subscription.tenantId,
      name: secretName,
      namespace,
      repository: patterns.length === 1 ? patterns[0] : undefined,
      actions: [...(permissions.includes('content/read') ? ['pull'] : []), ...(permissions.includes('content/write') ? ['push'] : [])],
    }),
    ci: ciEnvironment(credential),
  });
  const post = (message: Record<string, unknown>): void => void panel.webview.postMessage(message);
  const status = (text: string, kind: 'info' | 'ok' | 'error' = 'info'): void => post({ type: 'status', text, kind });

  let testing: Promise<FreshPasswordResult> | undefined;
  const test = (): Promise<FreshPasswordResult> =>
    (testing ??= checkFreshPassword(() => services.dockerLogins.checkPassword(loginServer, password.username, password.value, closed.signal), {
      sleep: (ms, signal) => sleep(ms, signal),
      signal: closed.signal,
      onRetry: (attempt, waitMs) => status(freshPasswordRetryMessage(attempt, waitMs)),
    }).finally(() => (testing = undefined)));

  panel.onDidDispose(() => closed.abort());
  panel.webview.onDidReceiveMessage(async (message: FromPanel) => {
    try {
      switch (message.type) {
        case 'copy':
          await vscode.env.clipboard.writeText(outputs()[message.output]);
          status(vscode.l10n.t('Copied.'), 'ok');
          return;
        case 'shell':
          shell = otherShell(shell);
          post({ type: 'outputs', dockerLogin: outputs().dockerLogin, shellButton: vscode.l10n.t('In {0}', shellLabel(otherShell(shell)).name) });
          return;
        case 'namespace': {
          const typed = await vscode.window.showInputBox({
            title: vscode.l10n.t('Kubernetes namespace'),
            prompt: vscode.l10n.t('The namespace the Secret goes to.'),
            value: namespace,
            validateInput: (value) => kubernetesNameProblem(value.trim()),
          });
          if (typed === undefined) return;
          namespace = typed.trim();
          post({ type: 'outputs', kubernetesSecret: outputs().kubernetesSecret, externalSecret: outputs().externalSecret });
          return;
        }
        case 'test': {
          status(vscode.l10n.t('Testing the password with {0}...', loginServer));
          const result = await test();
          status(freshPasswordResultMessage(result), result.kind === 'accepted' ? 'ok' : 'info');
          return;
        }
        case 'signInDocker': {
          status(vscode.l10n.t('Waiting until {0} accepts the new password...', loginServer));
          const result = await test();
          if (result.kind !== 'accepted') {
            status(freshPasswordResultMessage(result));
            return;
          }
          await logInWithProgress(services, [loginServer], async (server, signal) => {
            const login = await services.dockerLogins.logInWithPassword('repositoryToken', server, password.username, password.value, signal);
            return password.expiry === undefined ? login : services.dockerLogins.notePasswordExpiry(login, password.expiry);
          });
          services.scheduler.sync();
          status(vscode.l10n.t('Docker on this machine is signed in to {0} as {1}.', loginServer, password.username), 'ok');
          return;
        }
      }
    } catch (error) {
      if (isCancellation(error) || closed.signal.aborted) return;
      services.log.error(`Token password panel: ${errorMessage(error)}`);
      status(errorMessage(error), 'error');
    }
  });
  panel.webview.html = panelHtml(panel.webview, password, loginServer, outputs(), shellLabel(otherShell(shell)).name);
  return panel;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('Closed'), { name: 'AbortError' }));
    });
  });
}

function panelHtml(webview: vscode.Webview, password: GeneratedPassword, loginServer: string, outputs: Record<Output, string>, otherShellName: string): string {
  const nonce = randomBytes(16).toString('base64');
  const expiry = password.expiry === undefined ? vscode.l10n.t('never expires') : vscode.l10n.t('expires {0}', new Date(password.expiry).toLocaleString(vscode.env.language));
  const section = (output: Output, heading: string, note: string, extra = ''): string => `
    <section>
      <h2>${html(heading)}</h2>
      <p>${html(note)}</p>
      <pre id="${output}">${html(outputs[output])}</pre>
      <div class="actions"><button data-copy="${output}">${html(vscode.l10n.t('Copy'))}</button>${extra}</div>
    </section>`;
  return `<!DOCTYPE html>
<html lang="${html(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1.5em 2em; max-width: 60em; }
  pre { background: var(--vscode-textCodeBlock-background); padding: .75em; white-space: pre-wrap; word-break: break-all; }
  button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: .4em 1em; min-width: 8em; cursor: pointer; }
  button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
  .actions { display: flex; flex-wrap: wrap; gap: .5em; }
  .warning { border-left: 3px solid var(--vscode-editorWarning-foreground); padding-left: .75em; }
  /* Text in the theme's foreground, which every theme gives enough contrast; the colour is in the icon alone. */
  #status.ok::before { content: '\\2713'; color: var(--vscode-charts-green); font-weight: bold; margin-right: .4em; }
  #status.error { color: var(--vscode-errorForeground); }
</style>
</head>
<body>
  <h1>${html(vscode.l10n.t('Token {0} on {1}', password.username, loginServer))}</h1>
  <p class="warning">${html(vscode.l10n.t('This is the only time the password is shown: Azure keeps no copy you can read. Copy it to where it is going before you close this tab. New passwords take up to a minute to work.'))}</p>
  ${section(
    'password',
    vscode.l10n.t('Password ({0}, {1})', password.name, expiry),
    vscode.l10n.t('User name: {0}', password.username),
    `<button id="test">${html(vscode.l10n.t('Test'))}</button><button id="signInDocker" class="secondary">${html(vscode.l10n.t('Sign In Docker on This Machine'))}</button>`,
  )}
  <p id="status" role="status" aria-live="polite"></p>
  ${section(
    'dockerLogin',
    vscode.l10n.t('docker login'),
    vscode.l10n.t('Run both lines, and paste the password when the first waits: it goes into ACR_TOKEN_PASSWORD without being shown, and to docker on stdin, never on a command line.'),
    `<button id="shell" class="secondary">${html(vscode.l10n.t('In {0}', otherShellName))}</button>`,
  )}
  ${section('kubernetesSecret', vscode.l10n.t('Kubernetes Secret'), vscode.l10n.t('A kubernetes.io/dockerconfigjson Secret for imagePullSecrets.'), `<button id="namespace" class="secondary">${html(vscode.l10n.t('Namespace...'))}</button>`)}
  ${section('externalSecret', vscode.l10n.t('External Secrets'), vscode.l10n.t('The ACR generator gets short-lived ACR tokens from an Entra identity, so the cluster needs no token password at all. Fill in the identity.'))}
  ${section('ci', vscode.l10n.t('CI environment variables'), vscode.l10n.t('Store these as secret variables of your pipeline.'))}
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  for (const button of document.querySelectorAll('[data-copy]')) button.addEventListener('click', () => vscode.postMessage({ type: 'copy', output: button.dataset.copy }));
  for (const id of ['test', 'signInDocker', 'namespace', 'shell']) document.getElementById(id).addEventListener('click', () => vscode.postMessage({ type: id }));
  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'status') {
      const status = document.getElementById('status');
      status.textContent = message.text;
      status.className = message.kind;
    } else if (message.type === 'outputs') {
      for (const [id, text] of Object.entries(message)) if (id !== 'type' && id !== 'shellButton') document.getElementById(id).textContent = text;
      if (message.shellButton) document.getElementById('shell').textContent = message.shellButton;
    }
  });
</script>
</body>
</html>`;
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
