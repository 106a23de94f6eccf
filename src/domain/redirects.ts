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

// ---------- The way back to an app behind forward auth (`rd`) ----------

/**
 * Where `rd` may send a browser after sign-in: hosts from FORWARD_AUTH_DOMAINS, each an exact
 * host name (`app.example.com`) or, with a leading dot, any host under a domain
 * (`.example.com`: `a.example.com`, `b.c.example.com`, but not `example.com` itself).
 */
export interface WayBackRule {
  /** lowercase ASCII host names, as config.ts checked them; `.domain` for any subdomain */
  domains: readonly string[];
  /** http:// too, only when Twofold itself is served over plain http (local testing) */
  allowHttp: boolean;
}

/** The longest way back kept; the sign-in attempt stores at most this much. */
export const MAX_WAY_BACK_LENGTH = 2048;

/** Whether `host` (lowercase ASCII, as the URL parser gives it) is on the allow-list. */
export function isAllowedHost(host: string, domains: readonly string[]): boolean {
  return domains.some((domain) => (domain.startsWith('.') ? host.length > domain.length && host.endsWith(domain) : host === domain));
}

/**
 * Returns the absolute URL `rd` to send the browser to, canonical as a browser would read
 * it, or null when it is not an allowed way back. Strict on purpose: the text must already
 * be what a browser sends (printable ASCII, the scheme and host in lowercase, exactly
 * `scheme://host[:port]`), so the host checked here is the host the browser goes to. That
 * refuses userinfo (`https://app.example.com@evil.example`), backslashes, control
 * characters and spaces, raw Unicode or percent-encoded hosts, `https:evil.example`,
 * `HTTPS://`, other schemes (`javascript:`, `data:`, `ftp:`), and hosts that merely end
 * with an allowed text (`evil-example.com`, `app.example.com.evil.example`).
 */
export function allowedWayBack(rd: unknown, rule: WayBackRule): string | null {
  if (typeof rd !== 'string' || rd.length === 0 || rd.length > MAX_WAY_BACK_LENGTH) return null;
  if (!/^[\x21-\x7e]+$/.test(rd) || rd.includes('\\')) return null;
  let url: URL;
  try {
    url = new URL(rd);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && rule.allowHttp)) return null;
  if (url.username !== '' || url.password !== '') return null;
  // The authority as written must be the one parsed: no userinfo, case, escapes or dots the parser rewrote.
  const authority = `${url.protocol}//${url.host}`;
  if (!rd.startsWith(authority) || !/^($|[/?#])/.test(rd.slice(authority.length))) return null;
  if (!isAllowedHost(url.hostname, rule.domains)) return null;
  return url.href.length <= MAX_WAY_BACK_LENGTH ? url.href : null;
}
