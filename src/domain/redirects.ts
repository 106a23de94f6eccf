// A `next` parameter may only ever send someone elsewhere on this site.

/** Returns `next` when it is a same-site path, else the fallback. */
export function safeLocalPath(next: unknown, fallback: string): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 512) return fallback;
  // "//evil.example" and "/\evil.example" are protocol-relative in browsers.
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // Control characters (tabs and newlines are stripped by URL parsers) could rebuild "//".
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  return next;
}
