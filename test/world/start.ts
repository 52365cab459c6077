// `npm start`: the emulator with a world to try, a Docker engine, and code-server with the extension loaded and
// set up to reach the emulator as a custom cloud, until Ctrl+C.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildForTests } from './build';
import { projectRoot, startCodeServer } from './codeServer';
import { startDockerEngine } from './dockerEngine';
import { RunningEmulator, startEmulator } from './emulator';
import { emulatorWorkbench } from './emulatorWorkbench';
import { createPassStore } from './passStore';
import { registerCleanup, stopAll, stopAllOnExit } from './processes';

const worlds = {
  demo: { fixture: 'test/emulator/defaultFixture.json', about: 'tenants, subscriptions and registries to try every feature on (the default)' },
  large: { fixture: 'test/emulator/fixtures/large.json', about: 'the demo world with contososcale grown to 10,000 repositories and a repository of 5,000 tags' },
};
type WorldName = keyof typeof worlds;

const usage = [
  'Usage: npm start [-- --fixture <world>]',
  'Worlds:',
  ...Object.entries(worlds).map(([name, world]) => `  ${name.padEnd(6)} ${world.about}: ${world.fixture}`),
].join('\n');

function exitWithUsage(problem: string): never {
  console.error(`${problem}\n${usage}`);
  process.exit(2);
}

/** The world the command line names; prints the usage and exits on --help, or on anything it does not know. */
function worldFromArguments(): WorldName {
  let values: { fixture?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { fixture: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    // The first sentence: the rest is parseArgs's advice on positional arguments, which npm start takes none of.
    exitWithUsage(`${(error as Error).message.split('. ')[0]}.`);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const name = values.fixture ?? 'demo';
  if (!(name in worlds)) exitWithUsage(`There is no world "${name}".`);
  return name as WorldName;
}

function printout(world: WorldName, url: string, emulator: RunningEmulator, dockerEnv: Record<string, string>): string {
  const { caPath, control } = emulator;
  const fixture = join(projectRoot, worlds[world].fixture);
  return [
    `ACR Access is running against the Azure emulator (the ${world} world). Open this URL in a browser:`,
    `  ${url}`,
    `Sign-in codes are approved at ${emulator.entra.deviceLoginUrl} (choose a user there).`,
    '',
    `The emulator's CA is ${caPath}; until your browser trusts it, the sign-in page shows a certificate warning.`,
    '  Chromium or Chrome: chrome://certificate-manager, Installed by you, Trusted certificates, Import; or on Linux',
    `  (certutil is in libnss3-tools): certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n 'ACR Access emulator CA' -i ${caPath}`,
    '  Firefox keeps its own: Settings, Privacy & Security, Certificates, View Certificates, Authorities, Import.',
    '',
    "Docker in a terminal (the extension's DOCKER_CONFIG; with one of your own, docker login keeps the password in this throw-away pass store):",
    `  export ${Object.entries(dockerEnv).map(([name, value]) => `${name}=${value}`).join(' ')}`,
    `  jq -r '.registries[] | select(.name == "contosoprod") | .tokens[0].passwords[0].value' ${fixture} | docker login ${emulator.loginServer('contosoprod')} -u storefront-reader --password-stdin`,
    '',
    `The emulator's control API (faults, request log, token lifetimes: test/emulator/control.ts) is at ${control}:`,
    `  curl -s -X POST ${control}/faults -H 'content-type: application/json' -d '{"server":"registry:contosoprod","mode":"status","status":503}'  # contosoprod answers 503`,
    `  curl -s -X DELETE ${control}/faults  # no more faults`,
    `  curl -s ${control}/log | jq '.[-10:]'  # the last 10 requests the emulator received`,
    '',
    'Press Ctrl+C to stop.',
  ].join('\n');
}

async function main(): Promise<void> {
  const world = worldFromArguments();
  stopAllOnExit();
  buildForTests();
  const engine = await startDockerEngine();
  const emulator = await startEmulator({ fixture: join(projectRoot, worlds[world].fixture) });
  const passStore = await createPassStore();
  const dockerConfig = await mkdtemp(join(tmpdir(), 'acr-start-docker-config-'));
  registerCleanup(() => rm(dockerConfig, { recursive: true, force: true }));
  const dockerEnv = { DOCKER_HOST: engine.host, DOCKER_CONFIG: dockerConfig, ...passStore };
  const workbench = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: false, autoApprove: false, dockerConfig });
  const server = await startCodeServer({
    ...workbench,
    env: { ...workbench.env, ...dockerEnv },
    // A new user's first start opens the Get Started walkthrough; the test tiers turn it off.
    settings: { ...workbench.settings, 'acrAccess.showWalkthrough': true },
  });
  const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]);
  console.log(printout(world, url, emulator, dockerEnv));
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exitCode = 1;
});
