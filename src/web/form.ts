// Reading submitted forms. A field sent twice arrives as an array; a missing one
// as undefined: both are simply "not a string" to the code that reads them.
import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../services/context.js';

export function formField(request: FastifyRequest, name: string): unknown {
  const body = request.body;
  if (body === null || typeof body !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(body, name) ? (body as Record<string, unknown>)[name] : undefined;
}

export function formText(request: FastifyRequest, name: string): string | undefined {
  const value = formField(request, name);
  return typeof value === 'string' ? value : undefined;
}

export function queryText(request: FastifyRequest, name: string): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 256) : '', ...(request.user ? { sessionId: request.user.sessionId } : {}) };
}
