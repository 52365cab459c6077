import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { artifactsFolder, dockerConfigArtifact } from '../emulator/secretRecord';
import { eventually } from './eventually';
import { freePort, registerCleanup, startProcess } from './processes';

export const projectRoot = resolve(__dirname, '../..');

export interface CodeServer {
  /** The workbench, e.g. http://127.0.0.1:34567 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** The folder opened as the workspace. */
  readonly workspace: string;
  /** The user's settings.json, which the workbench watches: a change written there applies at once. */
  readonly userSettingsFile: string;
  /** code-server's user data folder: logs (the extension's log channel among them), settings and storage. */
  readonly userDataDir: string;
  /** The URL that opens the workbench on the workspace, with an optional test payload. */
  workbenchUrl(payload?: [string, string][]): string;
  /** A `vscode-remote:` URI for a path on this machine, as extensionDevelopmentPath wants it. */
  remoteUri(path: string): string;
  output(): string;
  /** What the extension under test wrote to its log (Output > ACR Access), for failure reports. */
  readonly extensionLog: () => Promise<string>;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** Extra environment for the server, which its extension hosts inherit. */
  readonly env?: NodeJS.ProcessEnv;
  readonly settings?: Record<string, unknown>;
  /**
   * Leave telemetry to the `telemetry.telemetryLevel` setting (off unless a test turns it on) instead of
   * disabling it for the whole server, for tests of the extension's telemetry.
   */
  readonly telemetryAllowed?: boolean;
  /** Folders of built extensions to install beside the one under development. */
  readonly extensions?: readonly string[];
  /** Packaged extensions (.vsix files) to install with `code-server --install-extension`, as a user would. */
  readonly vsixFiles?: readonly string[];
}

const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  // The extension's walkthrough would open in every test's first window; test/e2e/walkthrough.test.ts turns it back on.
  'acrAccess.showWalkthrough': false,
  // Text a test types into an editor (settings.json, see test/e2e/workbench.ts) lands as typed.
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
  'editor.formatOnType': false,
};

/**
 * When `npm test` scans for leaked secrets (ACR_SECRET_SCAN_DIR, see test/secretScan.ts), keeps what this
 * server's run left behind: the logs (the extension's log channel among them), settings.json, global and
 * workspace storage (Memento), the docker config.json the extension wrote, and code-server's own output.
 */
async function keepForSecretScan(dir: string, userData: string, dockerConfig: string | undefined, output: string): Promise<void> {
  const scanDir = process.env.ACR_SECRET_SCAN_DIR;
  if (!scanDir) return;
  const kept = join(scanDir, artifactsFolder, basename(dir));
  await mkdir(kept, { recursive: true });
  for (const part of ['logs', 'User']) await cp(join(userData, part), join(kept, part), { recursive: true }).catch(() => undefined);
  if (dockerConfig) await cp(join(dockerConfig, 'config.json'), join(kept, dockerConfigArtifact)).catch(() => undefined);
  await writeFile(join(kept, 'code-server-output.txt'), output);
}

function codeServerEntry(): string {
  const dir = execFileSync('bash', [join(projectRoot, 'test/world/install.sh'), '--print-code-server-dir']).toString().trim();
  return join(dir, 'node_modules/code-server/out/node/entry.js');
}

/** Starts code-server (the cached build test/world/install.sh makes) on a free loopback port. */
export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const dir = await mkdtemp(join(tmpdir(), 'acr-code-server-'));
  const workspace = join(dir, 'workspace');
  const userData = join(dir, 'user-data');
  await mkdir(workspace);
  await mkdir(join(userData, 'User'), { recursive: true });
  await writeFile(join(userData, 'User/settings.json'), JSON.stringify({ ...quietSettings, ...options.settings }, null, 2));
  await writeFile(join(dir, 'config.yaml'), '');
  for (const extension of options.extensions ?? []) {
    const { publisher, name, version } = JSON.parse(await readFile(join(extension, 'package.json'), 'utf8')) as Record<string, string>;
    await cp(extension, join(dir, 'extensions', `${publisher}.${name}-${version}`), { recursive: true });
  }
  for (const vsix of options.vsixFiles ?? []) {
    execFileSync(process.execPath, [codeServerEntry(), '--user-data-dir', userData, '--extensions-dir', join(dir, 'extensions'), '--install-extension', vsix], { stdio: 'pipe' });
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startProcess(process.execPath, [
    codeServerEntry(),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--config', join(dir, 'config.yaml'),
    '--user-data-dir', userData,
    '--extensions-dir', join(dir, 'extensions'),
    ...(options.telemetryAllowed ? [] : ['--disable-telemetry']),
    '--disable-update-check',
    '--disable-workspace-trust',
    workspace,
  ], { env: { ...process.env, ...options.env } });

  const stop = registerCleanup(async () => {
    await server.stop();
    await keepForSecretScan(dir, userData, options.env?.DOCKER_CONFIG, server.output());
    await rm(dir, { recursive: true, force: true });
  });
  try {
    await eventually(() => `code-server answering:\n${server.output()}`, async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok, 60_000, 200);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    port,
    workspace,
    userSettingsFile: join(userData, 'User/settings.json'),
    userDataDir: userData,
    workbenchUrl: (payload) => {
      const query = new URLSearchParams({ folder: workspace });
      if (payload) query.set('payload', JSON.stringify(payload));
      return `${url}/?${query.toString()}`;
    },
    remoteUri: (path) => `vscode-remote://127.0.0.1:${port}${path}`,
    output: () => server.output(),
    extensionLog: async () => {
      const logs = await readdir(join(userData, 'logs'), { recursive: true, encoding: 'utf8' }).catch(() => []);
      const files = logs.filter((name) => name.endsWith('ACR Access.log'));
      return (await Promise.all(files.map((name) => readFile(join(userData, 'logs', name), 'utf8')))).join('\n');
    },
    stop,
  };
}
