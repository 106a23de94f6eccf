// Passkeys and security keys over HTTP: the options (JSON, fetched by /assets/passkeys.js)
// and the ordinary form POSTs that carry the authenticator's answer back. The scripts
// are served from here too: CSP allows script from this site only.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WEBAUTHN_CHALLENGE_LIFETIME_IN_MS } from '../../domain/passkeys.js';
import { TwofoldError, isRefusal } from '../../errors.js';
import { completePasskeySignIn, startPasskeySecondFactor, startPasskeySignIn } from '../../services/passkey-sign-in.js';
import { listPasskeys, renamePasskey, startPasskeyRegistration } from '../../services/passkeys.js';
import { addPasskey, checkPasswordBeforeAddingPasskey, removePasskey } from '../../services/two-factor.js';
import { invalidateSession } from '../../services/sessions.js';
import { findPendingSignIn } from '../../services/sign-in/pending.js';
import { type WebContext, refusalOf, sendPage, signedInUser, statusOf } from '../context.js';
import { formField, formText, queryText, requestMeta } from '../form.js';
import { destinationOf, wayBackFrom, wayBackRuleOf } from '../way-back.js';
import { PasskeyCodePage, PasskeySignInPage, PasskeysPage } from '../views/passkeys.js';

const require = createRequire(import.meta.url);
const ownScript = readFileSync(new URL('../assets/passkeys.js', import.meta.url), 'utf8');
// The package's own UMD bundle (window.SimpleWebAuthnBrowser), as published: no build step of ours.
const browserLibrary = readFileSync(join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');

const DONE_NOTICES: Record<string, string> = {
  added: 'Your passkey or security key was added.',
  renamed: 'The passkey was renamed.',
  removed: 'The passkey was removed.',
};

/** A refusal as JSON, for the script to show. */
function sendJsonRefusal(reply: FastifyReply, error: TwofoldError) {
  return reply.code(statusOf(error)).send({ error: error.code, message: error.message });
}

/** Routes anyone reaches: the scripts, and signing in with a passkey. */
export function registerPasskeyRoutes(app: FastifyInstance, web: WebContext): void {
  // Not a CookieNames entry: this file is self-contained. Same rules as the others (__Host- over HTTPS).
  const browserCookie = `${web.cookies.secure ? '__Host-' : ''}twofold_passkey`;
  const wayBackRule = wayBackRuleOf(web.config);
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: web.cookies.secure };

  const script = (body: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(body);
  app.get('/assets/passkeys.js', script(ownScript));
  app.get('/assets/simplewebauthn-browser.js', script(browserLibrary));

  app.get('/sign-in/passkey', async (request, reply) => {
    if (request.user) return reply.redirect('/', 303);
    return sendPage(reply, 200, <PasskeySignInPage csrfToken={web.csrf.tokenFor(request, reply)} />);
  });

  // "Sign in with a passkey": options, and a cookie binding the challenge to this browser.
  app.post('/sign-in/passkey/options', async (request, reply) => {
    let started: Awaited<ReturnType<typeof startPasskeySignIn>>;
    try {
      started = await startPasskeySignIn(web.services, requestMeta(request));
    } catch (error) {
      if (isRefusal(error)) return sendJsonRefusal(reply, error);
      throw error;
    }
    reply.setCookie(browserCookie, started.browserToken, { ...cookieOptions, maxAge: WEBAUTHN_CHALLENGE_LIFETIME_IN_MS / 1000 });
    return reply.send(started.options);
  });

  app.post('/sign-in/passkey', async (request, reply) => {
    const browserToken = request.cookies[browserCookie];
    reply.clearCookie(browserCookie, cookieOptions);
    let sessionToken: string;
    try {
      ({ sessionToken } = await completePasskeySignIn(web.services, browserToken, formField(request, 'passkey_response'), requestMeta(request)));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return sendPage(reply, statusOf(error), <PasskeySignInPage csrfToken={web.csrf.tokenFor(request, reply)} error={error.message} />);
    }
    // Any session this browser had belongs to whoever was signed in before: end it.
    if (request.user) await invalidateSession(web.services, request.user.sessionId);
    web.cookies.set(reply, 'session', sessionToken);
    web.cookies.clear(reply, 'signInAttempt');
    // Back where the person was going (an app's sign-in request, or an allowed rd), never elsewhere off-site.
    return reply.redirect(destinationOf(wayBackFrom(wayBackRule, { rd: formText(request, 'rd'), next: formText(request, 'next') })), 303);
  });

  // The code step with a passkey: the page here; the answer goes to POST /sign-in/code/passkey (sign-in.tsx).
  app.get('/sign-in/code/passkey', async (request, reply) => {
    const pending = await findPendingSignIn(web.services, web.cookies.read(request, 'signInAttempt'));
    if (!pending) return reply.redirect('/sign-in', 303);
    return sendPage(reply, 200, <PasskeyCodePage csrfToken={web.csrf.tokenFor(request, reply)} />);
  });

  app.post('/sign-in/code/passkey/options', async (request, reply) => {
    const pending = await findPendingSignIn(web.services, web.cookies.read(request, 'signInAttempt'));
    if (!pending) return sendJsonRefusal(reply, new TwofoldError('sign_in_attempt_expired'));
    return reply.send(await startPasskeySecondFactor(web.services, pending.attemptId, pending.userId));
  });
}

/** Settings > Passkeys and security keys: inside registerSignedInRoutes. */
export function registerSignedInPasskeyRoutes(app: FastifyInstance, web: WebContext): void {
  const passkeysPage = async (request: FastifyRequest, reply: FastifyReply, status: number, error?: string) => {
    const user = signedInUser(request);
    const notice = DONE_NOTICES[queryText(request, 'done') ?? ''];
    return sendPage(
      reply,
      status,
      <PasskeysPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} passkeys={await listPasskeys(web.services, user.userId)} notice={notice} error={error} />,
    );
  };

  app.get('/settings/passkeys', async (request, reply) => passkeysPage(request, reply, 200));

  app.post('/settings/passkeys/options', async (request, reply) => {
    const user = signedInUser(request);
    try {
      // The settings form asks for the password: a wrong one is refused before the browser's prompt.
      const typed = formField(request, 'password');
      if (typed !== undefined) await checkPasswordBeforeAddingPasskey(web.services, user.userId, typed, requestMeta(request));
      return reply.send(await startPasskeyRegistration(web.services, user.userId, user.sessionId));
    } catch (error) {
      if (isRefusal(error)) return sendJsonRefusal(reply, error);
      throw error;
    }
  });

  app.post('/settings/passkeys', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() =>
      addPasskey(web.services, user.userId, user.sessionId, { response: formField(request, 'passkey_response'), name: formField(request, 'name'), password: formField(request, 'password') }, requestMeta(request)),
    );
    if (refusal) return passkeysPage(request, reply, statusOf(refusal), refusal.message);
    return reply.redirect('/settings/passkeys?done=added', 303);
  });

  app.post('/settings/passkeys/rename', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => renamePasskey(web.services, user.userId, formField(request, 'credential'), formField(request, 'name'), requestMeta(request)));
    if (refusal) return passkeysPage(request, reply, statusOf(refusal), refusal.message);
    return reply.redirect('/settings/passkeys?done=renamed', 303);
  });

  app.post('/settings/passkeys/remove', async (request, reply) => {
    const user = signedInUser(request);
    let twoFactorRemoved = false;
    const refusal = await refusalOf(async () => {
      const sessionToken = await removePasskey(web.services, user.userId, formField(request, 'credential'), formField(request, 'password'), requestMeta(request));
      if (sessionToken !== null) {
        web.cookies.set(reply, 'session', sessionToken);
        twoFactorRemoved = true;
      }
    });
    if (refusal) return passkeysPage(request, reply, statusOf(refusal), refusal.message);
    // The last key of a passkey second factor: 2FA went with it.
    if (twoFactorRemoved) return reply.redirect('/settings/security?notice=two_factor_removed', 303);
    return reply.redirect('/settings/passkeys?done=removed', 303);
  });
}
