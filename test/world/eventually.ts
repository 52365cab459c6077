/**
 * Polls `check` until it gives a value (anything but `undefined` or `false`) and resolves with it. The limit
 * only ends a wait that would otherwise last forever; no test asserts on how long it took. `what` names what
 * is waited for in the error (a function when that is only worth working out on failure).
 */
export async function eventually<T>(what: string | (() => string), check: () => Promise<T | undefined | false>, limitMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()}: did not happen within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
