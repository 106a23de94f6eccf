// Headers on every reply: no inline script anywhere, no framing, no sniffing,
// nothing cached that belongs to an account.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // the passkey script fetches its WebAuthn options (JSON) from this site
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function securityHeaders(https: boolean, cacheable: boolean, policy = CONTENT_SECURITY_POLICY): [string, string][] {
  return [
    ['Content-Security-Policy', policy],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts,
    // which the CSRF check must then refuse. Same-origin still keeps URLs (setup tokens) in-site.
    ['Referrer-Policy', 'same-origin'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
    ...(https ? ([['Strict-Transport-Security', 'max-age=31536000']] as [string, string][]) : []),
    ...(cacheable ? [] : ([['Cache-Control', 'no-store']] as [string, string][])),
  ];
}

/**
 * The same headers on a reply written outside Fastify (the OpenID provider's). Its
 * own Cache-Control (discovery, keys) is kept when `providerDecidesCaching`.
 */
export function applySecurityHeaders(res: ServerResponse, https: boolean, providerDecidesCaching: boolean): void {
  for (const [name, value] of securityHeaders(https, providerDecidesCaching)) res.setHeader(name, value);
}

/**
 * `formActionSources`: where else a form's answer may redirect the browser (CSP sources).
 * Chromium checks form-action on the redirects that follow a form too, so the way back to
 * an app behind forward auth (FORWARD_AUTH_DOMAINS), after the password or the code, must
 * be listed there or the browser stops on Twofold's page.
 */
export function addSecurityHeaders(app: FastifyInstance, https: boolean, formActionSources: readonly string[] = []): void {
  const policy = CONTENT_SECURITY_POLICY.replace("form-action 'self'", ["form-action 'self'", ...formActionSources].join(' '));
  // Built once: they are the same on every reply of a kind, and this runs on every reply.
  const forAssets = Object.fromEntries(securityHeaders(https, true, policy));
  const forEverythingElse = Object.fromEntries(securityHeaders(https, false, policy));
  app.addHook('onSend', async (request, reply) => {
    reply.headers(request.url.startsWith('/assets/') ? forAssets : forEverythingElse);
  });
}
