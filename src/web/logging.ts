// The server's one logger. Links in emails carry single-use tokens in their query
// string (?token=…), and the default request serializer logs the whole URL: a log
// reader could then reset a password. So no query string is ever logged.
import type { FastifyRequest } from 'fastify';
import { type Logger, pino } from 'pino';

/** The path alone: query strings may hold tokens, emails or codes. */
export function pathForLog(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[redacted]`;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: pathForLog(request.url), remoteAddress: request.ip }),
    },
  });
}
