// What the extension host had loaded right after the extension under test activated, before any test ran,
// so a test can look at activation itself whatever ran before it. The suite's entry and each test file are
// separate bundles, so the list is kept on the host's global object.
import * as vscode from 'vscode';

export const extensionId = 'acraccess.acr-access';

const recorded = Symbol.for('acrAccess.hostTests.modulesAfterActivation');
type Host = typeof globalThis & { [recorded]?: readonly string[] };

/** Activates the extension (if the host has not yet) and records every module file then loaded. */
export async function activateAndRecordModules(): Promise<void> {
  const extension = vscode.extensions.getExtension(extensionId);
  if (!extension) throw new Error(`${extensionId} is not loaded in this extension host`);
  await extension.activate();
  (globalThis as Host)[recorded] = Object.keys(require.cache);
}

/** The module files loaded right after activation (recorded by the suite's entry before the tests). */
export function modulesAfterActivation(): readonly string[] {
  const modules = (globalThis as Host)[recorded];
  if (!modules) throw new Error('nothing recorded: run the host suite through test/host/suite/index.ts');
  return modules;
}
