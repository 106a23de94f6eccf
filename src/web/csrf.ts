// Cross-site request forgery: every form carries a token that only a page of this
// site could have read. The browser holds a random value in an HttpOnly cookie;
// the form holds HMAC(server key, that value). A forged form from another site
// has neither. Origin and Sec-Fetch-Site are checked too, where browsers send them.
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual, generateToken, isWellFormedToken } from '../crypto/tokens.js';
import type { Cookies } from './cookies.js';

export class Csrf {
  constructor(
    private readonly key: Buffer,
    private readonly cookies: Cookies,
    private readonly publicOrigin: string,
  ) {}

  /** The token to put in this page's forms; sets the cookie on first visit. */
  tokenFor(request: FastifyRequest, reply: FastifyReply): string {
    let value = this.cookies.read(request, 'csrf');
    if (!isWellFormedToken(value)) {
      value = generateToken();
      this.cookies.set(reply, 'csrf', value);
      // Later reads in this same request (several forms) must see the same value.
      request.cookies[this.cookies.names.csrf] = value;
    }
    return this.sign(value);
  }

  isRequestTrusted(request: FastifyRequest): boolean {
    const fetchSite = request.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site') return false;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== this.publicOrigin && origin !== `${request.protocol}://${request.host}`) return false;
    const value = this.cookies.read(request, 'csrf');
    const body = request.body as Record<string, unknown> | undefined;
    const sent = body?._csrf;
    return isWellFormedToken(value) && typeof sent === 'string' && constantTimeEqual(sent, this.sign(value));
  }

  private sign(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('base64url');
  }
}
