// Sign-in: password, then the code when 2FA is on. Each handler is a ladder of
// early returns: wrong state → bad input → check → change → reply.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { safeLocalPath } from '../../domain/redirects.js';
import { SIGN_IN_ATTEMPT_LIFETIME_IN_MS } from '../../domain/limits.js';
import { REMEMBER_DEVICE_DURATION_IN_MS } from '../../domain/remembered-devices.js';
import { ERRORS } from '../../errors.js';
import { invalidateSession } from '../../services/sessions.js';
import { completeSignInWithTotp, findPendingSignIn, signInWithPassword } from '../../services/sign-in.js';
import { type WebContext, sendPage } from '../context.js';
import { formField, formText, queryText, requestMeta } from '../form.js';
import { noticeFor } from '../notices.js';
import { CodePage, SignInPage } from '../views/sign-in.js';

const SESSION_COOKIE_MAX_AGE_IN_SECONDS = undefined; // a browser-session cookie; the server enforces expiry

export function registerSignInRoutes(app: FastifyInstance, web: WebContext): void {
  const startSession = (reply: FastifyReply, token: string) => {
    web.cookies.set(reply, 'session', token, SESSION_COOKIE_MAX_AGE_IN_SECONDS);
    web.cookies.clear(reply, 'signInAttempt');
  };

  app.get('/sign-in', async (request, reply) => {
    if (request.user) return reply.redirect('/', 303);
    const next = queryText(request, 'next');
    return sendPage(reply, 200, <SignInPage csrfToken={web.csrf.tokenFor(request, reply)} notice={noticeFor(queryText(request, 'notice'))} next={next && safeLocalPath(next, '') ? next : undefined} />);
  });

  app.post('/sign-in', async (request, reply) => {
    const typedEmail = formText(request, 'email');
    const result = await signInWithPassword(
      web.services,
      { email: formField(request, 'email'), password: formField(request, 'password'), rememberedDeviceToken: web.cookies.read(request, 'rememberedDevice') },
      requestMeta(request),
    );
    if (result.outcome === 'refused') {
      const page = <SignInPage csrfToken={web.csrf.tokenFor(request, reply)} email={typedEmail?.slice(0, 254)} error={result.error.message} next={formText(request, 'next')} />;
      return sendPage(reply, ERRORS[result.error.code].status, page);
    }
    // Any session this browser had belongs to whoever was signed in before: end it.
    if (request.user) await invalidateSession(web.services, request.user.sessionId);
    const next = safeLocalPath(formText(request, 'next'), '/');
    if (result.outcome === 'signed_in') {
      startSession(reply, result.sessionToken);
      return reply.redirect(next, 303);
    }
    web.cookies.clear(reply, 'session');
    web.cookies.set(reply, 'signInAttempt', result.attemptToken, SIGN_IN_ATTEMPT_LIFETIME_IN_MS / 1000);
    return reply.redirect('/sign-in/code', 303);
  });

  app.get('/sign-in/code', async (request, reply) => {
    const pending = await findPendingSignIn(web.services, web.cookies.read(request, 'signInAttempt'));
    if (!pending) return reply.redirect('/sign-in', 303);
    return sendPage(reply, 200, <CodePage csrfToken={web.csrf.tokenFor(request, reply)} triesLeft={pending.triesLeft} rememberedDeviceNote={pending.rememberedDeviceNote} />);
  });

  app.post('/sign-in/code', async (request, reply) => {
    const attemptToken = web.cookies.read(request, 'signInAttempt');
    const rememberDevice = formField(request, 'remember_device') === 'yes';
    const result = await completeSignInWithTotp(web.services, { attemptToken, code: formField(request, 'code'), rememberDevice }, requestMeta(request));
    if (result.outcome === 'signed_in') {
      startSession(reply, result.sessionToken);
      if (result.rememberedDeviceToken) web.cookies.set(reply, 'rememberedDevice', result.rememberedDeviceToken, REMEMBER_DEVICE_DURATION_IN_MS / 1000);
      return reply.redirect('/', 303);
    }
    if (result.restart) {
      web.cookies.clear(reply, 'signInAttempt');
      return sendPage(reply, ERRORS[result.error.code].status, <SignInPage csrfToken={web.csrf.tokenFor(request, reply)} error={result.error.message} />);
    }
    const pending = await findPendingSignIn(web.services, attemptToken);
    const page = <CodePage csrfToken={web.csrf.tokenFor(request, reply)} error={result.error.message} triesLeft={pending?.triesLeft ?? 0} rememberDeviceTicked={rememberDevice} />;
    return sendPage(reply, ERRORS[result.error.code].status, page);
  });

  app.post('/sign-out', async (request, reply) => {
    if (request.user) await invalidateSession(web.services, request.user.sessionId);
    web.cookies.clear(reply, 'session');
    return reply.redirect('/sign-in?notice=signed_out', 303);
  });
}
