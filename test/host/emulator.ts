// The emulator the launcher started for the host suite, as the suite sees it.
import { emulatorControl, EmulatorControl, EmulatorInfo, loginServerOf } from '../world/emulator';

export interface HostEmulator extends EmulatorInfo {
  readonly client: EmulatorControl;
  loginServer(registryName: string): string;
}

export function hostEmulator(): HostEmulator {
  const text = process.env.ACR_TEST_EMULATOR;
  if (!text) throw new Error('ACR_TEST_EMULATOR is not set: run the host suite through one of its launchers.');
  const info = JSON.parse(text) as EmulatorInfo;
  return {
    ...info,
    client: emulatorControl(info.control),
    loginServer: (name) => loginServerOf(info, name),
  };
}
