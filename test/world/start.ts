// `npm start`: the emulator with its demo world, and code-server with the extension loaded and set up to
// reach the emulator as a custom cloud, until Ctrl+C.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildForTests } from './build';
import { projectRoot, startCodeServer } from './codeServer';
import { startDockerEngine } from './dockerEngine';
import { startEmulator } from './emulator';
import { emulatorWorkbench } from './emulatorWorkbench';
import { registerCleanup, stopAll, stopAllOnExit } from './processes';

async function main(): Promise<void> {
  stopAllOnExit();
  buildForTests();
  const engine = await startDockerEngine();
  const emulator = await startEmulator();
  const dockerConfig = await mkdtemp(join(tmpdir(), 'acr-start-docker-config-'));
  registerCleanup(() => rm(dockerConfig, { recursive: true, force: true }));
  const workbench = emulatorWorkbench(emulator, { user: 'alice', signedInAtStart: false, autoApprove: false, dockerConfig });
  const server = await startCodeServer({ ...workbench, env: { ...workbench.env, DOCKER_HOST: engine.host } });
  const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]);
  console.log(
    [
      'ACR Access is running against the Azure emulator. Open this URL in a browser:',
      url,
      `Sign-in codes are approved at ${emulator.entra.deviceLoginUrl}`,
      `Docker: DOCKER_HOST=${engine.host} DOCKER_CONFIG=${dockerConfig}`,
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exitCode = 1;
});
