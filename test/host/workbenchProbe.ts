import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Page } from 'playwright-core';

export interface WorkbenchProbe {
  readonly url: string;
  /** The page to answer about; the probe starts before it, since its URL goes into the server's environment. */
  attach(page: Page): void;
  close(): Promise<void>;
}

/** Answers workbench.ts's questions about the page a launcher drives. */
export async function startWorkbenchProbe(): Promise<WorkbenchProbe> {
  let page: Page | undefined;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://probe');
    const selector = url.searchParams.get('selector');
    if (url.pathname !== '/texts' || !selector || !page) {
      response.writeHead(404).end('unknown probe request, or no page yet');
      return;
    }
    page.locator(selector).allInnerTexts().then(
      (texts) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(texts)),
      (error: Error) => response.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attach: (attached) => (page = attached),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
