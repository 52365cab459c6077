/** Every command the extension contributes; package.json lists the same ids. */
export const CommandId = {
  signIn: 'acrAccess.signIn',
  signOut: 'acrAccess.signOut',
  logInDocker: 'acrAccess.logInDocker',
  logOutDocker: 'acrAccess.logOutDocker',
  showLog: 'acrAccess.showLog',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];
