// Forward auth's pure rules: which `rd` may a sign-in send the browser back to (an open
// redirect is the attack), and header values that can always be sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupsOf, headerSafe, identityHeaders } from '../../src/domain/forward-auth.js';
import { type WayBackRule, allowedWayBack } from '../../src/domain/redirects.js';
import { loadConfig } from '../../src/config.js';
import { cookieNamesFor } from '../../src/web/cookies.js';
import { formActionSourcesOf } from '../../src/web/way-back.js';

const RULE: WayBackRule = { domains: ['app.example.com', '.apps.example.net'], allowHttp: false };

/** The allow-list read again a second way, label by label, to check the rule against. */
function hostIsListed(host: string, domains: readonly string[]): boolean {
  const labels = host.split('.');
  return domains.some((domain) => {
    const wanted = domain.replace(/^\./, '').split('.');
    const tail = labels.slice(labels.length - wanted.length);
    const sameTail = tail.length === wanted.length && tail.every((label, i) => label === wanted[i]);
    return domain.startsWith('.') ? sameTail && labels.length > wanted.length : sameTail && labels.length === wanted.length;
  });
}

/** What must hold of any answer: nothing, or an https URL to a listed host with no userinfo, exactly as a browser reads it. */
function isSafeAnswer(result: string | null, rule: WayBackRule): boolean {
  if (result === null) return true;
  const url = new URL(result);
  return (
    (url.protocol === 'https:' || (rule.allowHttp && url.protocol === 'http:')) &&
    url.username === '' &&
    url.password === '' &&
    hostIsListed(url.hostname, rule.domains) &&
    url.href === result &&
    /^[\x21-\x7e]+$/.test(result)
  );
}

describe('the way back (rd): open-redirect attempts', () => {
  it('sends back to a listed host, or any host under a listed .domain, over https', () => {
    expect(allowedWayBack('https://app.example.com/path?a=1&b=2', RULE)).toBe('https://app.example.com/path?a=1&b=2');
    expect(allowedWayBack('https://app.example.com', RULE)).toBe('https://app.example.com/');
    expect(allowedWayBack('https://app.example.com:8443/x', RULE)).toBe('https://app.example.com:8443/x');
    expect(allowedWayBack('https://crm.apps.example.net/a/b#c', RULE)).toBe('https://crm.apps.example.net/a/b#c');
    expect(allowedWayBack('https://a.b.apps.example.net/', RULE)).toBe('https://a.b.apps.example.net/');
  });

  const attacks: Record<string, string> = {
    'userinfo: the host is what follows @': 'https://app.example.com@evil.example/',
    'userinfo with a password': 'https://app.example.com:pw@evil.example/',
    'encoded @ in userinfo': 'https://app.example.com%40evil.example/',
    'a host that merely ends with the domain text': 'https://evil-example.com/',
    'the listed host as a subdomain of another': 'https://app.example.com.evil.example/',
    'a subdomain of an exact-host entry': 'https://x.app.example.com/',
    'the bare domain of a .domain entry': 'https://apps.example.net/',
    'a suffix without a dot boundary': 'https://evilapps.example.net/',
    'backslash (browsers read it as /)': 'https://evil.example\\@app.example.com/',
    'backslash in the path': 'https://app.example.com/\\evil.example',
    'protocol-relative': '//app.example.com/',
    'a local path (that is next, not rd)': '/settings',
    'javascript:': 'javascript:alert(document.cookie)',
    'javascript: with the host in a comment': 'javascript://app.example.com/%0aalert(1)',
    'data:': 'data:text/html,<script>alert(1)</script>',
    'ftp:': 'ftp://app.example.com/',
    'plain http while Twofold is on https': 'http://app.example.com/',
    'scheme without slashes': 'https:app.example.com/',
    'scheme with one slash': 'https:/app.example.com/',
    'three slashes': 'https:///app.example.com/',
    'uppercase scheme': 'HTTPS://app.example.com/',
    'uppercase host': 'https://APP.EXAMPLE.COM/',
    'IDN: Cyrillic а in the host, raw': 'https://аpp.example.com/',
    'IDN: punycode look-alike': 'https://xn--pp-8cd.example.com/',
    'full-width dots': 'https://app\u3002example\u3002com/',
    'percent-encoded dot in the host': 'https://app%2Eexample.com/',
    'trailing dot': 'https://app.example.com./',
    'a tab inside (stripped by URL parsers)': 'https://evil.example\t@app.example.com/',
    'a newline inside': 'https://app.example.com/\r\nSet-Cookie:x=1',
    'a NUL inside': 'https://app.example.com\u0000.evil.example/',
    'a space before': ' https://app.example.com/',
    'an IP address': 'https://127.0.0.1/',
    'the default port written out (rewritten by the parser)': 'https://app.example.com:443/',
    'too long': `https://app.example.com/${'a'.repeat(2100)}`,
  };
  for (const [name, rd] of Object.entries(attacks)) {
    it(`refuses ${name}`, () => {
      expect(allowedWayBack(rd, RULE)).toBeNull();
    });
  }

  it('refuses what is not text, and everything when nothing is listed', () => {
    for (const bad of [undefined, null, 42, ['https://app.example.com/'], {}, '']) expect(allowedWayBack(bad, RULE)).toBeNull();
    expect(allowedWayBack('https://app.example.com/', { domains: [], allowHttp: true })).toBeNull();
  });

  it('takes http only when Twofold itself is on http (local testing)', () => {
    expect(allowedWayBack('http://app.example.com:8080/x', { ...RULE, allowHttp: true })).toBe('http://app.example.com:8080/x');
    expect(allowedWayBack('http://app.example.com:8080/x', RULE)).toBeNull();
  });

  it('whatever it is given, answers nothing or a canonical https URL to a listed host', () => {
    const evilHost = fc.domain();
    const listed = fc.constantFrom('app.example.com', 'x.apps.example.net', 'a.b.apps.example.net');
    const fragments = fc.constantFrom('', '@', ':', '/', '//', '\\', '.', '%2e', '%40', '#', '?', '\t', '\n', ' ', 'A', '\u0430', '\u3002', ':443', ':pw@');
    const composed = fc
      .tuple(fc.constantFrom('https://', 'http://', 'HTTPS://', '//', 'https:', 'javascript:', ''), fc.array(fc.oneof(evilHost, listed, fragments), { maxLength: 6 }))
      .map(([scheme, parts]) => scheme + parts.join(''));
    for (const rule of [RULE, { ...RULE, allowHttp: true }]) {
      fc.assert(
        fc.property(fc.oneof(composed, fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string({ unit: 'binary' })), (input) => isSafeAnswer(allowedWayBack(input, rule), rule)),
        { numRuns: 2000 },
      );
    }
  });

  it('never lets a listed name in the userinfo, path or query stand for the host', () => {
    fc.assert(
      fc.property(fc.domain(), fc.constantFrom('app.example.com', 'x.apps.example.net'), (evil, allowed) => {
        fc.pre(!hostIsListed(evil, RULE.domains));
        return [`https://${allowed}@${evil}/`, `https://${evil}/${allowed}`, `https://${evil}?${allowed}`, `https://${evil}#${allowed}`, `https://${allowed}.${evil}/`].every(
          (rd) => allowedWayBack(rd, RULE) === null,
        );
      }),
    );
  });

  it('accepts every ordinary address on a listed host, unchanged', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const host = fc.oneof(fc.constant('app.example.com'), label.map((l) => `${l}.apps.example.net`));
    fc.assert(
      fc.property(host, fc.webPath(), fc.webQueryParameters(), (h, path, query) => {
        const rd = `https://${h}${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`;
        return allowedWayBack(rd, RULE) === new URL(rd).href;
      }),
    );
  });
});

describe('Remote-* header values', () => {
  const person = { userId: 'u-1', email: 'pat@example.com.au', name: 'Pat Broker', role: 'admin', orgId: 'org-1', aggregatorId: 'agg-1' };

  it('passes plain ASCII through and percent-encodes the rest as UTF-8, % included', () => {
    expect(headerSafe('Pat Broker')).toBe('Pat Broker');
    expect(headerSafe('李雷')).toBe('%E6%9D%8E%E9%9B%B7');
    expect(headerSafe('Zoë')).toBe('Zo%C3%AB');
    expect(headerSafe('100%')).toBe('100%25');
    expect(headerSafe('Pat\r\nSet-Cookie: x=1')).toBe('Pat%0D%0ASet-Cookie: x=1');
    expect(headerSafe('lone \uD800')).toBe('lone %EF%BF%BD');
  });

  // (a lone surrogate comes back as U+FFFD, as UTF-8 has no way to carry it)
  it('always gives a value Node can send, which decodes back to the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const value = headerSafe(text);
        return /^[\x20-\x7e]*$/.test(value) && decodeURIComponent(value) === new TextDecoder().decode(new TextEncoder().encode(text));
      }),
    );
  });

  it('names the person, and groups them by role, organisation and aggregator', () => {
    expect(groupsOf(person)).toBe('role:admin,org:org-1,aggregator:agg-1');
    expect(identityHeaders({ ...person, name: '李雷' })).toEqual({
      'Remote-User': 'pat@example.com.au',
      'Remote-Email': 'pat@example.com.au',
      'Remote-Name': '%E6%9D%8E%E9%9B%B7',
      'Remote-Groups': 'role:admin,org:org-1,aggregator:agg-1',
      'Remote-Id': 'u-1',
    });
  });
});

describe('forward-auth settings', () => {
  const base = { TWOFOLD_SECRET: 'x'.repeat(40), DATA_DIR: '/nonexistent' };

  it('reads FORWARD_AUTH_DOMAINS as host names and .domains, and refuses anything else', () => {
    expect(loadConfig({ ...base, FORWARD_AUTH_DOMAINS: ' App.Example.com, .example.net ' }).forwardAuthDomains).toEqual(['app.example.com', '.example.net']);
    expect(loadConfig(base).forwardAuthDomains).toEqual([]);
    for (const bad of ['https://app.example.com', '*.example.com', 'app.example.com:8443', 'localhost', 'ünicode.example', '127.0.0.1', 'app..example.com', '-a.example.com', 'app.example.com/path']) {
      expect(() => loadConfig({ ...base, FORWARD_AUTH_DOMAINS: bad }), bad).toThrow(/FORWARD_AUTH_DOMAINS/);
    }
  });

  it('takes a COOKIE_DOMAIN that PUBLIC_URL is inside of, and refuses one it is not', () => {
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://auth.example.com', COOKIE_DOMAIN: 'example.com' }).cookieDomain).toBe('example.com');
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://example.com', COOKIE_DOMAIN: '.Example.com' }).cookieDomain).toBe('example.com');
    expect(loadConfig(base).cookieDomain).toBeUndefined();
    expect(() => loadConfig({ ...base, PUBLIC_URL: 'https://auth.example.com', COOKIE_DOMAIN: 'other.com' })).toThrow(/COOKIE_DOMAIN must be PUBLIC_URL's host or a domain it is under: PUBLIC_URL's host is "auth.example.com", which is not inside "other.com"/);
    // Ends with the text but is not inside it.
    expect(() => loadConfig({ ...base, PUBLIC_URL: 'https://authexample.com', COOKIE_DOMAIN: 'example.com' })).toThrow(/COOKIE_DOMAIN/);
    expect(() => loadConfig({ ...base, PUBLIC_URL: 'https://auth.example.com', COOKIE_DOMAIN: 'com' })).toThrow(/COOKIE_DOMAIN must be a domain name/);
    expect(() => loadConfig({ ...base, PUBLIC_URL: 'http://127.0.0.1:3000', COOKIE_DOMAIN: '0.0.1' })).toThrow(/COOKIE_DOMAIN/);
  });

  it('names the session cookie __Secure- when it carries a Domain, and keeps the others __Host-', () => {
    expect(cookieNamesFor(true, 'example.com')).toEqual({ session: '__Secure-twofold_session', signInAttempt: '__Host-twofold_attempt', csrf: '__Host-twofold_csrf', rememberedDevice: '__Host-twofold_device' });
    expect(cookieNamesFor(true).session).toBe('__Host-twofold_session');
    expect(cookieNamesFor(false, 'example.com').session).toBe('twofold_session');
  });

  it('lets a sign-in form redirect to the listed hosts on any port (CSP form-action)', () => {
    expect(formActionSourcesOf(RULE)).toEqual(['https://app.example.com:*', 'https://*.apps.example.net:*']);
    expect(formActionSourcesOf({ domains: ['app.twofold.test'], allowHttp: true })).toEqual(['https://app.twofold.test:*', 'http://app.twofold.test:*']);
  });
});
