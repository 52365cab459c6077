/** Every command the extension contributes; package.json lists the same ids. */
export const CommandId = {
  signIn: 'acrAccess.signIn',
  signOut: 'acrAccess.signOut',
  logInDocker: 'acrAccess.logInDocker',
  logOutDocker: 'acrAccess.logOutDocker',
  showLog: 'acrAccess.showLog',
  renewNow: 'acrAccess.renewNow',
  showRegistryActions: 'acrAccess.showRegistryActions',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];
