import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { authorityCertPath, loadOrCreateAuthority } from './authority';
import { Emulator, startEmulator } from './emulator';
import { FixtureError, loadFixture } from './fixture';

const usage = `Usage: node test/emulator [--fixture <file.json>] [--ca-path]
  --fixture   the world to emulate (default: test/emulator/defaultFixture.json)
  --ca-path   make the emulator's CA if needed, print the path of its certificate, and exit
Prints one JSON line with every endpoint once ready; stops on SIGINT or SIGTERM.`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { fixture: { type: 'string' }, 'ca-path': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values['ca-path']) {
    await loadOrCreateAuthority();
    console.log(authorityCertPath());
    return;
  }
  const fixture = loadFixture(values.fixture ?? join(__dirname, 'defaultFixture.json'));
  const emulator: Emulator = await startEmulator(fixture);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('exit', () => {
    if (!stopping) emulator.killNow();
  });
  console.log(JSON.stringify(emulator.info));
}

main().catch((error: unknown) => {
  console.error(error instanceof FixtureError ? error.message : error);
  process.exit(1);
});
