import * as l10n from '@vscode/l10n';
import { spawn } from 'node:child_process';
import { CredentialHelperError, withoutSecret } from './errors';

export interface HelperCredential {
  readonly username: string;
  readonly secret: string;
}

const helperTimeoutMs = 120_000;

/**
 * Runs `docker-credential-<name> <action>` with `input` on stdin (the secret never goes into argv) and
 * returns stdout. Helpers report errors on stdout, so a failure's message is stdout and stderr, secret removed.
 */
function runHelper(name: string, action: 'store' | 'get' | 'erase', input: string, env: NodeJS.ProcessEnv, secret = ''): Promise<{ code: number; stdout: string }> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: helperTimeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined); // a helper that exits early closes stdin; its exit code tells the story
    child.on('error', (error: NodeJS.ErrnoException) => {
      const detail =
        error.code === 'ENOENT'
          ? l10n.t('{0} is not on PATH, but the docker config names "{1}" as credential helper (credsStore or credHelpers). Install {0}, or remove that setting.', program, name)
          : error.message;
      reject(new CredentialHelperError(program, action, detail));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ code, stdout });
      const output = withoutSecret(`${stdout}\n${stderr}`.trim(), secret);
      if (action === 'get' && code === 1) return resolve({ code, stdout: output });
      const reason = !signal
        ? l10n.t('exit code {0}', String(code))
        : signal === 'SIGTERM'
          ? l10n.t('it was stopped ({0}) after {1} s', signal, helperTimeoutMs / 1000)
          : l10n.t('it was stopped ({0})', signal);
      reject(new CredentialHelperError(program, action, `${reason}${output ? `: ${output}` : ''}`));
    });
    child.stdin.end(input);
  });
}

export async function helperStore(name: string, serverAddress: string, credential: HelperCredential, env: NodeJS.ProcessEnv): Promise<void> {
  const input = JSON.stringify({ ServerURL: serverAddress, Username: credential.username, Secret: credential.secret });
  await runHelper(name, 'store', input, env, credential.secret);
}

/** The stored credential, or undefined when the helper has none for this server. */
export async function helperGet(name: string, serverAddress: string, env: NodeJS.ProcessEnv): Promise<HelperCredential | undefined> {
  const { code, stdout } = await runHelper(name, 'get', serverAddress, env);
  if (code !== 0) {
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new CredentialHelperError(`docker-credential-${name}`, 'get', `${l10n.t('exit code {0}', code)}${stdout ? `: ${stdout}` : ''}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw new CredentialHelperError(`docker-credential-${name}`, 'get', l10n.t('its answer is not JSON'));
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  // Some helpers answer an unknown server with empty fields instead of "credentials not found".
  return username || secret ? { username, secret } : undefined;
}

export async function helperErase(name: string, serverAddress: string, env: NodeJS.ProcessEnv): Promise<void> {
  await runHelper(name, 'erase', serverAddress, env);
}
