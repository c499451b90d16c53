/**
 * RFC 8288 (was 5988) `Link` headers: `<https://api/x?page=3>; rel="next", <...>; rel="last"`.
 *
 * ```ts
 * parseLinkHeader('<https://a/x?page=2>; rel="next"').get('next'); // 'https://a/x?page=2'
 * ```
 */

/** Target URI by relation type (lower-cased; the first link of each rel wins). */
export function parseLinkHeader(value: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (value === null || value === undefined) return out;
  let i = 0;
  const n = value.length;
  while (i < n) {
    const open = value.indexOf('<', i);
    if (open < 0) break;
    const close = value.indexOf('>', open + 1);
    if (close < 0) break;
    const target = value.slice(open + 1, close).trim();
    // Parameters run to the next comma outside quotes.
    let j = close + 1;
    let quoted = false;
    let params = '';
    for (; j < n; j++) {
      const c = value[j]!;
      if (c === '"' && value[j - 1] !== '\\') quoted = !quoted;
      else if (c === ',' && !quoted) break;
      params += c;
    }
    for (const part of params.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
      const rel = part.slice(eq + 1).trim().replace(/^"|"$/g, '');
      for (const r of rel.split(/\s+/)) if (r !== '' && !out.has(r.toLowerCase())) out.set(r.toLowerCase(), target);
    }
    i = j + 1;
  }
  return out;
}
