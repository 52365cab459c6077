import * as vscode from 'vscode';

/** An AbortSignal that fires when VS Code cancels (the user pressed Cancel on a progress notification). */
export function abortSignalFor(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Whether an error only says the user cancelled: such errors are not reported. */
export function isCancellation(error: unknown): boolean {
  return error instanceof vscode.CancellationError || (error instanceof Error && error.name === 'AbortError');
}
