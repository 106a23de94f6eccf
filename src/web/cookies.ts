// The cookies Twofold sets, and how. Over HTTPS they are Secure and take the
// __Host- prefix (no Domain, Path=/), so a sibling subdomain cannot plant one.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CookieNames {
  session: string;
  signInAttempt: string;
  csrf: string;
  rememberedDevice: string;
}

export function cookieNamesFor(secure: boolean): CookieNames {
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}twofold_session`, signInAttempt: `${prefix}twofold_attempt`, csrf: `${prefix}twofold_csrf`, rememberedDevice: `${prefix}twofold_device` };
}

export class Cookies {
  readonly names: CookieNames;
  constructor(readonly secure: boolean) {
    this.names = cookieNamesFor(secure);
  }

  read(request: FastifyRequest, name: keyof CookieNames): string | undefined {
    return request.cookies[this.names[name]];
  }

  set(reply: FastifyReply, name: keyof CookieNames, value: string, maxAgeInSeconds?: number): void {
    reply.setCookie(this.names[name], value, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      ...(maxAgeInSeconds === undefined ? {} : { maxAge: maxAgeInSeconds }),
    });
  }

  clear(reply: FastifyReply, name: keyof CookieNames): void {
    reply.clearCookie(this.names[name], { path: '/', httpOnly: true, sameSite: 'lax', secure: this.secure });
  }
}
