import * as l10n from '@vscode/l10n';
import { spawn } from 'node:child_process';
import { CredentialHelperError, withoutSecret } from './errors';

export interface HelperCredential {
  readonly username: string;
  readonly secret: string;
}

const helperTimeoutMs = 120_000;

/**
 * The program the docker CLI runs for helper `name`: docker-credential-<name>, with `.exe` on Windows
 * (docker-credential-wincred.exe, docker-credential-desktop.exe), as the CLI finds it on PATH there.
 */
export function helperProgram(name: string, platform: NodeJS.Platform): string {
  return `docker-credential-${name}${platform === 'win32' ? '.exe' : ''}`;
}

/**
 * Runs `docker-credential-<name> <action>` with `input` on stdin (the secret never goes into argv) and
 * returns stdout. Helpers report errors on stdout, so a failure's message is stdout and stderr, secret removed.
 */
function runHelper(program: string, name: string, action: 'store' | 'get' | 'erase', input: string, env: NodeJS.ProcessEnv, secret = ''): Promise<{ code: number; stdout: string }> {
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

export async function helperStore(name: string, serverAddress: string, credential: HelperCredential, env: NodeJS.ProcessEnv, platform = process.platform): Promise<void> {
  const input = JSON.stringify({ ServerURL: serverAddress, Username: credential.username, Secret: credential.secret });
  await runHelper(helperProgram(name, platform), name, 'store', input, env, credential.secret);
}

/** The stored credential, or undefined when the helper has none for this server. */
export async function helperGet(name: string, serverAddress: string, env: NodeJS.ProcessEnv, platform = process.platform): Promise<HelperCredential | undefined> {
  const program = helperProgram(name, platform);
  const { code, stdout } = await runHelper(program, name, 'get', serverAddress, env);
  if (code !== 0) {
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new CredentialHelperError(program, 'get', `${l10n.t('exit code {0}', code)}${stdout ? `: ${stdout}` : ''}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw new CredentialHelperError(program, 'get', l10n.t('its answer is not JSON'));
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  // Some helpers answer an unknown server with empty fields instead of "credentials not found".
  return username || secret ? { username, secret } : undefined;
}

export async function helperErase(name: string, serverAddress: string, env: NodeJS.ProcessEnv, platform = process.platform): Promise<void> {
  await runHelper(helperProgram(name, platform), name, 'erase', serverAddress, env);
}
