// Where every failure becomes a page: a TwofoldError by its code in the errors
// table, Fastify's own request errors by status, anything else as a plain 500
// with the details in the log and never on the page.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ERRORS, type ErrorCode, TwofoldError, errorMessage } from '../errors.js';
import { sendPage } from './context.js';
import { ErrorPage } from './views/error.js';

const TITLES: Partial<Record<number, string>> = {
  400: 'That did not work',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too large',
  415: 'That did not work',
  429: 'Please wait',
  500: 'Something went wrong',
  503: 'Please try again',
};

/** Seconds a client should wait before retrying a 503 (the database is back within seconds of a restart). */
const RETRY_AFTER_IN_SECONDS = 5;

function codeForStatus(status: number): ErrorCode {
  if (status === 413) return 'body_too_large';
  if (status === 404) return 'not_found';
  return 'bad_request';
}

export function installErrorPages(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    sendPage(reply, 404, <ErrorPage title={TITLES[404]!} message={errorMessage('not_found')} />);
  });

  app.setErrorHandler((error: FastifyError | TwofoldError, request, reply) => {
    if (error instanceof TwofoldError) {
      const status = ERRORS[error.code].status;
      if (status >= 500) {
        // The cause's code and message only: a driver error can carry the statement's values.
        const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
        request.log.warn({ code: error.code, cause: { code: cause?.code, message: cause?.message } }, 'request could not be completed');
        reply.header('retry-after', String(RETRY_AFTER_IN_SECONDS));
      }
      if (request.url.startsWith('/api/')) return reply.code(status).send({ error: error.code, message: error.message });
      return sendPage(reply, status, <ErrorPage title={TITLES[status] ?? 'That did not work'} message={error.message} />);
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, status }, 'request refused');
    const code: ErrorCode = status === 500 ? 'internal' : codeForStatus(status);
    return sendPage(reply, status, <ErrorPage title={TITLES[status] ?? 'That did not work'} message={errorMessage(code)} />);
  });
}
