// A `next` parameter may only ever send someone elsewhere on this site.

/** Returns `next` when it is a same-site path, else the fallback. */
export function safeLocalPath(next: unknown, fallback: string): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 512) return fallback;
  // "//evil.example" and "/\evil.example" are protocol-relative in browsers.
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // Control characters (tabs and newlines are stripped by URL parsers) could rebuild "//".
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  // It becomes a Location header, which carries bytes up to 0xFF only: anything beyond
  // printable ASCII is percent-encoded as UTF-8 (as a browser would), and text that is
  // not valid UTF-16 (a lone surrogate) cannot be encoded at all.
  try {
    return next.replace(/[^\x21-\x7e]/gu, (character) => encodeURIComponent(character));
  } catch {
    return fallback; // URIError: a lone surrogate
  }
}
