// What forward auth tells an app behind the proxy about the person: Remote-* headers.

/** The person, as the session gives them. */
export interface ForwardedPerson {
  userId: string;
  email: string;
  name: string;
  role: string;
  orgId: string;
  aggregatorId: string;
}

/** Printable ASCII that passes through unchanged: everything from space to `~` but `%`. */
const PLAIN_HEADER_TEXT = /^[\x20-\x24\x26-\x7e]*$/;
const utf8 = new TextEncoder();

/**
 * A header value that can always be sent. HTTP header values carry bytes, and Node refuses
 * (a 500) anything above U+00FF and CR or LF, which would also split the reply. So every
 * character outside printable ASCII, and `%` itself, is percent-encoded as UTF-8 bytes:
 * "李雷" becomes "%E6%9D%8E%E9%9B%B7", "Zoë" "Zo%C3%AB", "100%" "100%25"; plain ASCII is
 * unchanged, and decodeURIComponent gives the original back. A lone UTF-16 surrogate
 * (not text at all) becomes U+FFFD.
 */
export function headerSafe(value: string): string {
  if (PLAIN_HEADER_TEXT.test(value)) return value;
  let out = '';
  for (const byte of utf8.encode(value)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Remote-Groups: the role and where the person belongs, by id (names change and may hold
 * commas): `role:<member|admin>,org:<organisation id>,aggregator:<aggregator id>`. The
 * aggregator is the organisation's parent, or the organisation itself for people who
 * belong to the aggregator directly.
 */
export function groupsOf(person: ForwardedPerson): string {
  return `role:${person.role},org:${person.orgId},aggregator:${person.aggregatorId}`;
}

/** The headers an allowed answer carries (the proxy copies them to the app's request). */
export function identityHeaders(person: ForwardedPerson): Record<string, string> {
  const email = headerSafe(person.email);
  return {
    'Remote-User': email,
    'Remote-Email': email,
    'Remote-Name': headerSafe(person.name),
    'Remote-Groups': headerSafe(groupsOf(person)),
    'Remote-Id': headerSafe(person.userId),
  };
}
