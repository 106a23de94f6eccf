// Sign-in: password, then the code when 2FA is on, or the lost-device path. Each
// handler is a ladder of early returns: wrong state → bad input → check → change → reply.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SIGN_IN_ATTEMPT_LIFETIME_IN_MS } from '../../domain/limits.js';
import { REMEMBER_DEVICE_DURATION_IN_MS } from '../../domain/remembered-devices.js';
import { TwofoldError } from '../../errors.js';
import { invalidateSession } from '../../services/sessions.js';
import { type SignedInByCode, completeSignInWithCode, resendSignInCode } from '../../services/sign-in/code-step.js';
import type { CodeRoute } from '../../services/sign-in/factors.js';
import { PasskeyCodePage } from '../views/passkeys.js';
import { requestLostDeviceCode } from '../../services/sign-in/lost-device.js';
import { signInWithPassword } from '../../services/sign-in/password-step.js';
import { type PendingSignIn, findPendingSignIn } from '../../services/sign-in/pending.js';
import { secondsUntilResend, smsCodeStateFor } from '../../services/sms-codes.js';
import { type WebContext, sendPage, statusOf } from '../context.js';
import { formField, formText, queryText, requestMeta } from '../form.js';
import { noticeFor } from '../notices.js';
import { CodePage, LastFourPage, LostDeviceChoicesPage, LostDeviceCodePage, NoMobilePage, RecoveryCodeSignInPage, SignInPage } from '../views/sign-in.js';
import { recoveryCodesLeft } from '../../services/recovery-codes.js';
import { countPasskeys } from '../../services/passkeys.js';
import { RECOVERY_CODES_LOW_AT } from '../../domain/recovery-codes.js';
import { destinationOf, wayBackFrom, wayBackRuleOf } from '../way-back.js';

export function registerSignInRoutes(app: FastifyInstance, web: WebContext): void {
  const wayBackRule = wayBackRuleOf(web.config);
  const pendingOf = (request: FastifyRequest) => findPendingSignIn(web.services, web.cookies.read(request, 'signInAttempt'));
  const startSession = (reply: FastifyReply, token: string) => {
    // A browser-session cookie: the server enforces idle and absolute expiry.
    web.cookies.set(reply, 'session', token);
    web.cookies.clear(reply, 'signInAttempt');
  };
  /** The attempt is over: the sign-in page again, keeping the email the person typed. */
  const restart = (request: FastifyRequest, reply: FastifyReply, error: TwofoldError, email?: string) => {
    web.cookies.clear(reply, 'signInAttempt');
    return sendPage(reply, statusOf(error), <SignInPage csrfToken={web.csrf.tokenFor(request, reply)} error={error.message} email={email} />);
  };

  const codePage = async (request: FastifyRequest, reply: FastifyReply, pending: PendingSignIn, status: number, extra: { error?: string; rememberDeviceTicked?: boolean } = {}) => {
    const sms = pending.method === 'sms' ? await smsCodeStateFor(web.services, pending.userId, pending.attemptId) : { live: false, resendInSeconds: 0 };
    return sendPage(
      reply,
      status,
      <CodePage
        csrfToken={web.csrf.tokenFor(request, reply)}
        method={pending.method}
        maskedMobile={pending.maskedMobile}
        triesLeft={pending.triesLeft}
        smsCodeLive={sms.live}
        resendInSeconds={sms.resendInSeconds}
        rememberedDeviceNote={pending.rememberedDeviceNote}
        hasRecoveryCodes={(await recoveryCodesLeft(web.services, pending.userId)) > 0}
        hasPasskeys={(await countPasskeys(web.services, pending.userId)) > 0}
        pausedUntil={pending.codeLockedUntil}
        notice={noticeFor(queryText(request, 'notice'))}
        {...extra}
      />,
    );
  };

  const lostDeviceCodePage = async (request: FastifyRequest, reply: FastifyReply, pending: PendingSignIn, status: number, error?: string) =>
    sendPage(
      reply,
      status,
      <LostDeviceCodePage
        csrfToken={web.csrf.tokenFor(request, reply)}
        maskedMobile={pending.maskedMobile}
        triesLeft={pending.triesLeft}
        resendInSeconds={await secondsUntilResend(web.services, pending.userId, 'recovery')}
        pausedUntil={pending.codeLockedUntil}
        notice={noticeFor(queryText(request, 'notice'))}
        error={error}
      />,
    );

  /**
   * The code step's answer, whichever way the code came (the second factor, a recovery
   * code, a passkey, the lost-device text): counted, then signed in, or the attempt over
   * (password again), or the page the code came from with the refusal.
   */
  const answerCodeStep = async (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { via: CodeRoute; rememberDevice?: boolean },
    pages: { signedIn: (result: SignedInByCode) => string; refused: (pending: PendingSignIn, error: TwofoldError) => Promise<FastifyReply> | FastifyReply },
  ) => {
    const attemptToken = web.cookies.read(request, 'signInAttempt');
    const result = await completeSignInWithCode(web.services, { attemptToken, code: formField(request, 'code'), via: input.via, rememberDevice: input.rememberDevice ?? false }, requestMeta(request));
    app.twofoldMetrics.codeChecks.inc({ outcome: result.outcome === 'signed_in' ? 'accepted' : result.error.code });
    app.twofoldMetrics.signIns.inc({ step: input.via === 'second_factor' ? 'code' : input.via, outcome: result.outcome === 'signed_in' ? 'signed_in' : result.error.code });
    if (result.outcome === 'signed_in') {
      startSession(reply, result.sessionToken);
      if (result.rememberedDeviceToken) web.cookies.set(reply, 'rememberedDevice', result.rememberedDeviceToken, REMEMBER_DEVICE_DURATION_IN_MS / 1000);
      return reply.redirect(pages.signedIn(result), 303);
    }
    if (result.restart) return restart(request, reply, result.error, result.email);
    const pending = await pendingOf(request);
    if (!pending) return restart(request, reply, new TwofoldError('sign_in_attempt_expired'));
    return pages.refused(pending, result.error);
  };

  app.get('/sign-in', async (request, reply) => {
    // A local `next`, or `rd` back to an app behind forward auth (only to an allowed host).
    const wayBack = wayBackFrom(wayBackRule, { rd: queryText(request, 'rd'), next: queryText(request, 'next') });
    const safeNext = wayBack.next;
    // `again`: an app asked for a fresh sign-in (prompt=login, max_age, two factors).
    const again = queryText(request, 'again') === '1' && safeNext !== undefined;
    if (request.user && !again) return reply.redirect(destinationOf(wayBack), 303);
    const secondFactor = again && queryText(request, 'second_factor') === '1';
    return sendPage(
      reply,
      200,
      <SignInPage
        csrfToken={web.csrf.tokenFor(request, reply)}
        notice={again ? noticeFor(secondFactor ? 'sign_in_again_two_factors' : 'sign_in_again') : noticeFor(queryText(request, 'notice'))}
        next={safeNext}
        rd={wayBack.rd}
        email={again ? request.user?.email : undefined}
        secondFactorRequired={secondFactor}
      />,
    );
  });

  app.post('/sign-in', async (request, reply) => {
    const typedEmail = formText(request, 'email');
    // Made safe before anything is written: a reply that cannot be sent must not leave a session behind.
    const wayBack = wayBackFrom(wayBackRule, { rd: formText(request, 'rd'), next: formText(request, 'next') });
    const next = destinationOf(wayBack);
    const result = await signInWithPassword(
      web.services,
      {
        email: formField(request, 'email'),
        password: formField(request, 'password'),
        // An app asked for two factors: this browser being remembered does not stand in for the code.
        rememberedDeviceToken: formField(request, 'second_factor') === 'required' ? undefined : web.cookies.read(request, 'rememberedDevice'),
        nextPath: next === '/' ? null : next,
      },
      requestMeta(request),
    );
    app.twofoldMetrics.signIns.inc({ step: 'password', outcome: result.outcome === 'refused' ? result.error.code : result.outcome });
    if (result.outcome === 'refused') {
      const page = <SignInPage csrfToken={web.csrf.tokenFor(request, reply)} email={typedEmail?.slice(0, 254)} error={result.error.message} {...wayBack} secondFactorRequired={formField(request, 'second_factor') === 'required'} />;
      return sendPage(reply, statusOf(result.error), page);
    }
    // Any session this browser had belongs to whoever was signed in before: end it.
    if (request.user) await invalidateSession(web.services, request.user.sessionId);
    if (result.outcome === 'signed_in') {
      startSession(reply, result.sessionToken);
      // Reset by their aggregator: straight to setting 2FA up again, with who and when.
      if (result.twoFactorWasReset) return reply.redirect('/settings/two-factor', 303);
      return reply.redirect(next, 303);
    }
    web.cookies.clear(reply, 'session');
    web.cookies.set(reply, 'signInAttempt', result.attemptToken, SIGN_IN_ATTEMPT_LIFETIME_IN_MS / 1000);
    return reply.redirect('/sign-in/code', 303);
  });

  app.get('/sign-in/code', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    return codePage(request, reply, pending, 200);
  });

  app.post('/sign-in/code', async (request, reply) => {
    const rememberDevice = formField(request, 'remember_device') === 'yes';
    return answerCodeStep(request, reply, { via: 'second_factor', rememberDevice }, {
      signedIn: (result) => result.nextPath ?? '/',
      refused: (pending, error) => codePage(request, reply, pending, statusOf(error), { error: error.message, rememberDeviceTicked: rememberDevice }),
    });
  });

  // The code step with a passkey: the authenticator's answer (JSON) is the code.
  app.post('/sign-in/code/passkey', async (request, reply) =>
    answerCodeStep(request, reply, { via: 'passkey' }, {
      signedIn: (result) => result.nextPath ?? '/',
      refused: (_pending, error) => sendPage(reply, statusOf(error), <PasskeyCodePage csrfToken={web.csrf.tokenFor(request, reply)} error={error.message} />),
    }),
  );

  app.post('/sign-in/code/resend', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    const result = await resendSignInCode(web.services, { attemptToken: web.cookies.read(request, 'signInAttempt'), lostDevice: false }, requestMeta(request));
    if (result.outcome === 'refused') return codePage(request, reply, pending, statusOf(result.error), { error: result.error.message });
    return reply.redirect('/sign-in/code?notice=code_sent', 303);
  });

  // "Use a recovery code": checked by the code step, with its tries and lock.
  app.get('/sign-in/recovery-code', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    return sendPage(reply, 200, <RecoveryCodeSignInPage csrfToken={web.csrf.tokenFor(request, reply)} triesLeft={pending.triesLeft} pausedUntil={pending.codeLockedUntil} />);
  });

  app.post('/sign-in/recovery-code', async (request, reply) =>
    answerCodeStep(request, reply, { via: 'recovery_code' }, {
      // Few left: straight to the offer of new ones.
      signedIn: (result) => (result.recoveryCodesLeft !== null && result.recoveryCodesLeft <= RECOVERY_CODES_LOW_AT ? '/settings/security?notice=recovery_codes_low#recovery-codes' : (result.nextPath ?? '/')),
      refused: (pending, error) =>
        sendPage(reply, statusOf(error), <RecoveryCodeSignInPage csrfToken={web.csrf.tokenFor(request, reply)} triesLeft={pending.triesLeft} pausedUntil={pending.codeLockedUntil} error={error.message} />),
    }),
  );

  // "Lost your two-factor device": every way back the account has, strongest first.
  app.get('/sign-in/lost-device', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    const hasRecoveryCodes = (await recoveryCodesLeft(web.services, pending.userId)) > 0;
    const hasPasskeys = (await countPasskeys(web.services, pending.userId)) > 0;
    if (hasRecoveryCodes || hasPasskeys) return sendPage(reply, 200, <LostDeviceChoicesPage hasRecoveryCodes={hasRecoveryCodes} hasPasskeys={hasPasskeys} maskedMobile={pending.maskedMobile} />);
    return lastFourPage(request, reply, pending);
  });

  // The SMS way back: last 4 digits of the mobile, then a code by SMS.
  const lastFourPage = async (request: FastifyRequest, reply: FastifyReply, pending: PendingSignIn) => {
    if (!pending.maskedMobile) return sendPage(reply, 200, <NoMobilePage />);
    return sendPage(reply, 200, <LastFourPage csrfToken={web.csrf.tokenFor(request, reply)} triesLeft={pending.lastFourTriesLeft} />);
  };

  app.get('/sign-in/lost-device/sms', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    return lastFourPage(request, reply, pending);
  });

  app.post('/sign-in/lost-device', async (request, reply) => {
    const result = await requestLostDeviceCode(web.services, { attemptToken: web.cookies.read(request, 'signInAttempt'), lastFour: formField(request, 'last_four') }, requestMeta(request));
    if (result.outcome === 'code_sent') return reply.redirect('/sign-in/lost-device/code', 303);
    if (result.restart) return restart(request, reply, result.error, result.email);
    if (result.error.code === 'no_mobile_on_account') return sendPage(reply, 400, <NoMobilePage />);
    const pending = await pendingOf(request);
    if (!pending) return restart(request, reply, new TwofoldError('sign_in_attempt_expired'));
    if (pending.recoveryUnlocked) return lostDeviceCodePage(request, reply, pending, statusOf(result.error), result.error.message);
    return sendPage(reply, statusOf(result.error), <LastFourPage csrfToken={web.csrf.tokenFor(request, reply)} triesLeft={pending.lastFourTriesLeft} error={result.error.message} />);
  });

  app.get('/sign-in/lost-device/code', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    if (!pending.recoveryUnlocked) return reply.redirect('/sign-in/lost-device', 303);
    return lostDeviceCodePage(request, reply, pending, 200);
  });

  app.post('/sign-in/lost-device/code', async (request, reply) =>
    answerCodeStep(request, reply, { via: 'lost_device_sms' }, {
      signedIn: () => '/settings/security?notice=lost_device_signed_in',
      refused: (pending, error) => lostDeviceCodePage(request, reply, pending, statusOf(error), error.message),
    }),
  );

  app.post('/sign-in/lost-device/resend', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    const result = await resendSignInCode(web.services, { attemptToken: web.cookies.read(request, 'signInAttempt'), lostDevice: true }, requestMeta(request));
    if (result.outcome === 'refused') return lostDeviceCodePage(request, reply, pending, statusOf(result.error), result.error.message);
    return reply.redirect('/sign-in/lost-device/code?notice=code_sent', 303);
  });

  app.post('/sign-out', async (request, reply) => {
    if (request.user) await invalidateSession(web.services, request.user.sessionId);
    web.cookies.clear(reply, 'session');
    return reply.redirect('/sign-in?notice=signed_out', 303);
  });
}
