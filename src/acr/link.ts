/**
 * The `rel="next"` target of an RFC 8288 `Link` header, as a path and query on the registry that sent it
 * (docs/protocol.md section 7). Relative (`</acr/v1/_catalog?last=a&n=100>`) and absolute forms are accepted,
 * the whole query is kept, and a link to another host is refused: the next page gets the same token.
 * Undefined when there is no next page.
 */
export function nextPageLink(header: string | null, registryOrigin: string): string | undefined {
  if (!header) return undefined;
  for (const value of splitLinkValues(header)) {
    const match = /^\s*<([^>]*)>\s*((?:;[^;]*)*)$/.exec(value);
    if (!match) continue;
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(match[2]);
    const relation = rels?.[1] ?? rels?.[2] ?? '';
    if (!relation.toLowerCase().split(/\s+/).includes('next')) continue;
    let url: URL;
    try {
      url = new URL(match[1], registryOrigin);
    } catch {
      return undefined;
    }
    if (url.origin !== new URL(registryOrigin).origin) return undefined;
    return `${url.pathname}${url.search}`;
  }
  return undefined;
}

/** Splits a Link header at the commas between link-values (not those inside `<...>` or quotes). */
function splitLinkValues(header: string): string[] {
  const values: string[] = [];
  let current = '';
  let inAngle = false;
  let inQuote = false;
  for (const character of header) {
    if (character === '<' && !inQuote) inAngle = true;
    else if (character === '>' && !inQuote) inAngle = false;
    else if (character === '"' && !inAngle) inQuote = !inQuote;
    if (character === ',' && !inAngle && !inQuote) {
      values.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  values.push(current);
  return values;
}
