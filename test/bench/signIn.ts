// Sign-in to Docker ready: the extension's exchange, engine check and config write, against `docker login
// --password-stdin` with a refresh token exchanged beforehand (no exchange at all), and against the manual
// flow users follow today (curl IMDS, curl exchange and token, docker login), all against the same registry.
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { connectDockerEngine } from '../../src/docker/engine';
import { handOffToDocker } from '../../src/docker/handoff';
import { BenchWorld, nullGuid, tokenAtHand, tokenClient } from './benchWorld';
import { measured, race } from './measure';
import { ratioRow, Row } from './report';

const repetitions = 21;
/** The user-assigned managed identity of the emulated VM, with AcrPull on contosoapps. */
const kubeletClientId = 'c11e0000-0000-4000-8000-000000000006';

/** Runs a program with `stdin`, failing with its output (which never holds the secret it was given). */
function run(program: string, args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, args, { env, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${program} failed: ${stdout}${stderr}`)) : resolve()));
    child.stdin?.end(stdin);
  });
}

/**
 * A PATH holding only these programs. Without a credential helper on its PATH, `docker login` saves to
 * config.json as the extension does; with docker-credential-pass installed it would pick that by default.
 */
export async function pathWith(dir: string, programs: readonly string[]): Promise<string> {
  await mkdir(dir);
  for (const program of programs) {
    const found = (process.env.PATH ?? '').split(delimiter).map((folder) => join(folder, program));
    const target = await firstExisting(found);
    if (!target) throw new Error(`${program} is not installed`);
    await symlink(target, join(dir, program));
  }
  return dir;
}

async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await access(path).then(() => true, () => false)) return path;
  return undefined;
}

/**
 * The manual flow of the managed-identity write-up (docs/protocol.md sections 3-5 and 10): an ARM token from
 * IMDS, the exchange, an access token for one repository, then `docker login` with it. Tokens travel on
 * stdin (printf is a shell builtin), never on a command line.
 */
const manualFlow = `set -euo pipefail
arm=$(curl -sf -H Metadata:true "$IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=$RESOURCE&client_id=$CLIENT_ID" | jq -r .access_token)
refresh=$(printf 'grant_type=access_token&service=%s&access_token=%s' "$REGISTRY" "$arm" | curl -sf --cacert "$CA" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "https://$REGISTRY/oauth2/exchange" | jq -r .refresh_token)
access=$(printf 'grant_type=refresh_token&service=%s&scope=repository:%s:pull&refresh_token=%s' "$REGISTRY" "$REPOSITORY" "$refresh" | curl -sf --cacert "$CA" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "https://$REGISTRY/oauth2/token" | jq -r .access_token)
printf '%s' "$access" | docker login -u ${nullGuid} --password-stdin "$REGISTRY" > /dev/null
`;

export async function signInBench(world: BenchWorld): Promise<Row[]> {
  const { emulator } = world;
  const registry = emulator.loginServer('contosoapps');
  const credential = await tokenAtHand(emulator);
  // The extension connects to the engine once and keeps the connection (DockerLogins.connectEngine).
  const engine = await connectDockerEngine();
  const refreshToken = (await tokenClient(world, credential).refreshToken({ loginServer: registry })).token;
  const dir = await mkdtemp(join(tmpdir(), 'acr-bench-sign-in-'));
  let configs = 0;
  let config = '';
  const freshConfig = () => {
    config = join(dir, `docker-config-${++configs}`);
    return Promise.resolve();
  };
  const tools = await pathWith(join(dir, 'bin'), ['bash', 'curl', 'jq', 'docker']);
  const env = () => ({ ...process.env, PATH: tools, DOCKER_CONFIG: config });
  try {
    const samples = await race(
      [
        {
          name: 'ours',
          prepare: freshConfig,
          run: async () => {
            const refresh = await tokenClient(world, credential).refreshToken({ loginServer: registry });
            await handOffToDocker({ serverAddress: registry, username: nullGuid, secret: refresh.token }, { persist: true, engine, environment: { env: env() } });
          },
        },
        { name: 'docker login', prepare: freshConfig, run: () => run('docker', ['login', '-u', nullGuid, '--password-stdin', registry], env(), refreshToken) },
        {
          name: 'manual',
          prepare: freshConfig,
          run: () =>
            run('bash', ['-c', manualFlow], {
              ...env(),
              IMDS: emulator.imds.endpoint,
              RESOURCE: emulator.arm.audience,
              CLIENT_ID: kubeletClientId,
              REGISTRY: registry,
              REPOSITORY: 'hello',
              CA: emulator.caPath,
            }),
        },
      ],
      repetitions,
    );
    const ours = measured(samples.get('ours')!, 'ms');
    const what = 'exchange, engine check, config written';
    return [
      ratioRow('sign-in to Docker ready', `${what}, vs docker login --password-stdin (refresh token at hand)`, ours, { name: 'docker login', ...measured(samples.get('docker login')!, 'ms') }, 0.6),
      ratioRow('sign-in to Docker ready', `${what}, vs the manual curl flow (IMDS, exchange, token, docker login)`, ours, { name: 'manual flow', ...measured(samples.get('manual')!, 'ms') }, 0.1),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
