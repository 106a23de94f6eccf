// The cookies Twofold sets, and how. Over HTTPS they are Secure and take the
// __Host- prefix (no Domain, Path=/), so a sibling subdomain cannot plant one.
// With COOKIE_DOMAIN (forward auth: one sign-in for every app under a domain) the
// session cookie alone carries Domain= and so takes __Secure- instead (a __Host- cookie
// cannot have a Domain); the others stay host-only: nothing but Twofold reads them.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CookieNames {
  session: string;
  signInAttempt: string;
  csrf: string;
  rememberedDevice: string;
}

export function cookieNamesFor(secure: boolean, sessionDomain?: string): CookieNames {
  const prefix = secure ? '__Host-' : '';
  const sessionPrefix = secure ? (sessionDomain ? '__Secure-' : '__Host-') : '';
  return { session: `${sessionPrefix}twofold_session`, signInAttempt: `${prefix}twofold_attempt`, csrf: `${prefix}twofold_csrf`, rememberedDevice: `${prefix}twofold_device` };
}

export class Cookies {
  readonly names: CookieNames;
  /** `sessionDomain`: COOKIE_DOMAIN, for the session cookie only */
  constructor(
    readonly secure: boolean,
    private readonly sessionDomain?: string,
  ) {
    this.names = cookieNamesFor(secure, sessionDomain);
  }

  read(request: FastifyRequest, name: keyof CookieNames): string | undefined {
    return request.cookies[this.names[name]];
  }

  set(reply: FastifyReply, name: keyof CookieNames, value: string, maxAgeInSeconds?: number): void {
    reply.setCookie(this.names[name], value, {
      ...this.attributes(name),
      ...(maxAgeInSeconds === undefined ? {} : { maxAge: maxAgeInSeconds }),
    });
  }

  clear(reply: FastifyReply, name: keyof CookieNames): void {
    // The same Domain as when set, or the browser keeps the cookie.
    reply.clearCookie(this.names[name], this.attributes(name));
  }

  private attributes(name: keyof CookieNames) {
    const domain = name === 'session' ? this.sessionDomain : undefined;
    return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: this.secure, ...(domain ? { domain } : {}) };
  }
}
