// Headers on every reply: no inline script anywhere, no framing, no sniffing,
// nothing cached that belongs to an account.
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

/**
 * `formActionSources`: where else a form's answer may redirect the browser (CSP sources).
 * Chromium checks form-action on the redirects that follow a form too, so the way back to
 * an app behind forward auth (FORWARD_AUTH_DOMAINS), after the password or the code, must
 * be listed there or the browser stops on Twofold's page.
 */
export function addSecurityHeaders(app: FastifyInstance, https: boolean, formActionSources: readonly string[] = []): void {
  const policy = CONTENT_SECURITY_POLICY.replace("form-action 'self'", ["form-action 'self'", ...formActionSources].join(' '));
  app.addHook('onSend', async (request, reply) => {
    reply.header('Content-Security-Policy', policy);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts,
    // which the CSRF check must then refuse. Same-origin still keeps URLs (setup tokens) in-site.
    reply.header('Referrer-Policy', 'same-origin');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (https) reply.header('Strict-Transport-Security', 'max-age=31536000');
    if (!request.url.startsWith('/assets/')) reply.header('Cache-Control', 'no-store');
  });
}
