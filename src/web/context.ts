import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type TwofoldError, isRefusal } from '../errors.js';
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

/**
 * Registers routes that only a signed-in person reaches: anyone else is sent to the
 * sign-in page (back here afterwards, for a GET) before any handler runs.
 */
export async function registerSignedInRoutes(app: FastifyInstance, register: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('preHandler', async (request, reply) => {
      if (request.user) return;
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
      return reply.redirect(`/sign-in${next}`, 303);
    });
    register(scope);
  });
}

/** The person behind a request inside registerSignedInRoutes. */
export function signedInUser(request: FastifyRequest): SignedInUser {
  if (!request.user) throw new TypeError('signedInUser() used on a route outside registerSignedInRoutes');
  return request.user;
}

/**
 * Runs a use case and returns its refusal (a TwofoldError from the errors table), or null
 * when it went through. Anything else is thrown on to the error page. Handlers stay a
 * ladder of early returns instead of try/catch blocks.
 */
export async function refusalOf(work: () => Promise<unknown>): Promise<TwofoldError | null> {
  try {
    await work();
    return null;
  } catch (error) {
    if (isRefusal(error)) return error;
    throw error;
  }
}

/** The HTTP status the errors table gives a refusal. */
export function statusOf(error: TwofoldError): number {
  return ERRORS[error.code].status;
}
