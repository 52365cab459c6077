import { sortedIndex } from './registryIndex';

/** ACR's largest page (docs/protocol.md section 7). */
export const maxPageSize = 1000;

/** `n` when it is a positive whole number, capped at 1,000; `fallback` otherwise. */
export function pageSize(text: string | null, fallback = 100): number {
  const n = Number(text);
  return text !== null && Number.isInteger(n) && n > 0 ? Math.min(n, maxPageSize) : fallback;
}

/**
 * The `Link` header for the next page, in ACR's relative form `</path?last=x&n=100&orderby=>; rel="next"`:
 * the request's whole query is kept, with `last` and `n` set for the next page.
 */
export function nextLink(url: URL, last: string, n: number): string {
  const query = new URLSearchParams({ last, n: String(n), orderby: url.searchParams.get('orderby') ?? '' });
  for (const [key, value] of url.searchParams) if (!['last', 'n', 'orderby'].includes(key)) query.append(key, value);
  return `<${url.pathname}?${query.toString()}>; rel="next"`;
}

/** Where a page of a sorted name list starts: after every name up to and including `last`, which need not exist. */
export function startAfter(sortedNames: readonly string[], last: string | null): number {
  if (!last) return 0;
  const index = sortedIndex(sortedNames, last);
  return sortedNames[index] === last ? index + 1 : index;
}
