// Heap the tree's listing keeps after one page of a registry's repositories, or after every page: run by
// tree.ts in a process of its own (node --expose-gc), so no garbage of earlier work blurs the numbers.
//   node --expose-gc --import tsx test/bench/heldByTree.ts <login server> <one|all>
// with an ACR access token for registry:catalog:* on stdin. Prints the bytes held.
import { text } from 'node:stream/consumers';
import { Page, RegistryContent } from '../../src/acr/registryContent';

const pageSize = 100;
const holder: Page<string>[][] = [];

function heapAfterFullCollection(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function pages(content: RegistryContent, all: boolean): Promise<Page<string>[]> {
  const listing = [await content.repositories({ pageSize })];
  while (all && listing.at(-1)!.next) listing.push(await content.repositories({ pageSize, next: listing.at(-1)!.next }));
  return listing;
}

async function main(loginServer: string, which: string): Promise<void> {
  const token = (await text(process.stdin)).trim();
  const content = new RegistryContent({ loginServer, accessToken: () => Promise.resolve(token) });
  // Connections, TLS and parsers set up by a first request that is not kept.
  await content.repositories({ pageSize, after: 'svc/app-09900' });
  const before = heapAfterFullCollection();
  holder.push(await pages(content, which === 'all'));
  // A new turn of the event loop, so nothing but `holder` refers to what was fetched.
  await new Promise((resolve) => setImmediate(resolve));
  console.log(JSON.stringify({ bytes: heapAfterFullCollection() - before, names: holder[0].flatMap((page) => page.items).length }));
}

void main(process.argv[2], process.argv[3]);
