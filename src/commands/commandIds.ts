/** Every command the extension contributes; package.json lists the same ids. */
export const CommandId = {
  showLog: 'acrAccess.showLog',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];
