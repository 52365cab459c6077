import { join } from 'node:path';
import { CodeServerOptions, projectRoot } from './codeServer';
import type { RunningEmulator } from './emulator';

export interface EmulatorWorkbenchOptions {
  /** The fixture user VS Code's Microsoft sign-in signs in as. */
  readonly user: string;
  /** Signed in before the extension asks (host tests), or signing in when it asks (e2e, npm start). */
  readonly signedInAtStart: boolean;
  /** Approve device codes at once as `user`; otherwise the user approves on the emulator's page. */
  readonly autoApprove: boolean;
  /** Users signed in to VS Code's Microsoft sign-in at start, as several accounts. */
  readonly accounts?: readonly string[];
  /** DOCKER_CONFIG for the workbench's processes, so nobody's own ~/.docker is touched. */
  readonly dockerConfig?: string;
}

/**
 * code-server set up the way a user of a custom cloud would set up VS Code to reach the emulator: VS Code's
 * sovereign-cloud settings naming its endpoints, its CA trusted, and a Microsoft sign-in backed by its Entra.
 */
export function emulatorWorkbench(emulator: RunningEmulator, options: EmulatorWorkbenchOptions): CodeServerOptions {
  return {
    env: {
      NODE_EXTRA_CA_CERTS: emulator.caPath,
      ACR_EMULATED_AUTHORITY: emulator.entra.authorityHost,
      ACR_EMULATED_SIGN_IN_SCOPE: `${emulator.arm.audience.replace(/\/+$/, '')}/.default`,
      ...(options.autoApprove ? { ACR_EMULATED_APPROVER: `${emulator.control} ${options.user}` } : {}),
      ...(options.signedInAtStart ? { ACR_EMULATED_SIGNED_IN: '1' } : {}),
      ...(options.accounts ? { ACR_EMULATED_ACCOUNTS: options.accounts.join(' ') } : {}),
      ...(options.dockerConfig ? { DOCKER_CONFIG: options.dockerConfig } : {}),
      // The extension's usage data goes to the emulator's collector (and only when VS Code's telemetry level allows).
      ACR_ACCESS_TELEMETRY_CONNECTION_STRING: emulator.telemetry.connectionString,
    },
    settings: {
      'microsoft-sovereign-cloud.environment': 'custom',
      'microsoft-sovereign-cloud.customEnvironment': {
        name: 'ACR Access emulator',
        portalUrl: emulator.arm.endpoint,
        managementEndpointUrl: emulator.arm.audience,
        resourceManagerEndpointUrl: emulator.arm.endpoint,
        activeDirectoryEndpointUrl: emulator.entra.authorityHost,
        activeDirectoryResourceId: emulator.arm.audience,
      },
      'acrAccess.customCloud': { loginServerSuffix: 'azurecr.localhost', acrAudience: emulator.acrAudience },
    },
    extensions: [join(projectRoot, 'out/emulatedMicrosoftAuth')],
  };
}
