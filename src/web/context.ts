import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { Config } from '../config.js';
import type { ServiceContext } from '../services/context.js';
import type { SignedInUser } from '../services/sessions.js';
import type { Cookies } from './cookies.js';
import type { Csrf } from './csrf.js';
import { renderPage } from './views/layout.js';

export interface WebContext {
  services: ServiceContext;
  config: Config;
  cookies: Cookies;
  csrf: Csrf;
}

declare module 'fastify' {
  interface FastifyInstance {
    twofoldMetrics: import('./metrics.js').TwofoldMetrics;
  }
  interface FastifyRequest {
    user: SignedInUser | null;
  }
}

export function sendPage(reply: FastifyReply, status: number, page: ComponentChildren): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
}

/** The signed-in user, or a redirect to the sign-in page (then null). */
export function requireUser(request: FastifyRequest, reply: FastifyReply): SignedInUser | null {
  if (request.user) return request.user;
  const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
  void reply.redirect(`/sign-in${next}`, 303);
  return null;
}
