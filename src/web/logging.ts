// The server's one logger. Links in emails carry single-use tokens in their query
// string (?token=…), and the default request serializer logs the whole URL: a log
// reader could then reset a password. So no query string is ever logged.
import type { FastifyRequest } from 'fastify';
import { type Logger, pino } from 'pino';
import prettyStream from 'pino-pretty';

/** The path alone: query strings may hold tokens, emails or codes. */
export function pathForLog(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[redacted]`;
}

/**
 * JSON lines for a log collector; for a person at a terminal, readable lines instead
 * (pino-pretty in the same process, so nothing is lost at exit).
 */
export function createLogger(level: string, format: 'json' | 'pretty' | 'auto' = 'json'): Logger {
  const options = {
    level,
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: pathForLog(request.url), remoteAddress: request.ip }),
    },
  };
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  return pretty ? pino(options, prettyStream({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true })) : pino(options);
}
