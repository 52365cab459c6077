import { eventually } from '../world/eventually';

// Lets a host test look at the workbench it runs in: the launcher drives that workbench with
// Playwright and answers these questions over a loopback HTTP server (see workbenchProbe.ts).

function probeUrl(): string {
  const url = process.env.ACR_TEST_WORKBENCH_PROBE;
  if (!url) throw new Error('ACR_TEST_WORKBENCH_PROBE is not set: run the host suite through one of its launchers.');
  return url;
}

/** The visible texts of the elements a Playwright selector matches, right now. */
export async function workbenchTexts(selector: string): Promise<string[]> {
  const response = await fetch(`${probeUrl()}/texts?selector=${encodeURIComponent(selector)}`);
  if (!response.ok) throw new Error(`workbench probe: ${response.status} ${await response.text()}`);
  return (await response.json()) as string[];
}

/** Waits until an element matching the selector shows text containing `expected`; returns all texts. */
export async function waitForWorkbenchText(selector: string, expected: string, timeoutMs = 15_000): Promise<string[]> {
  let texts: string[] = [];
  return eventually(
    () => `"${selector}" showing "${expected}" (seen: ${JSON.stringify(texts)})`,
    async () => {
      texts = await workbenchTexts(selector);
      return texts.some((text) => text.includes(expected)) && texts;
    },
    timeoutMs,
    250,
  );
}
