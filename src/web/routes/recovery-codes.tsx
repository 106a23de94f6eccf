// Recovery codes in Settings: the new set shown once (after a second factor is proved,
// or "Get new recovery codes"), its download, and "I have saved my recovery codes".
import { takeAppSignInRequest } from '../oidc/return-to-app.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forgetShownRecoveryCodes, recoveryCodesDownload, regenerateRecoveryCodes, shownRecoveryCodes } from '../../services/recovery-codes.js';
import type { SignedInUser } from '../../services/sessions.js';
import { turnOnTwoFactor } from '../../services/two-factor.js';
import { mobileNumberOf } from '../../services/mobile.js';
import { type ErrorCode, TwofoldError } from '../../errors.js';
import type { TwoFactorMethod } from '../../domain/second-factors.js';
import { type WebContext, refusalOf, sendPage, signedInUser, statusOf } from '../context.js';
import { formField, requestMeta } from '../form.js';
import { RecoveryCodesPage } from '../views/recovery-codes.js';

const TURNED_ON_NOTICES: Record<TwoFactorMethod, string> = { totp: 'two_factor_on', sms: 'two_factor_on_sms', webauthn: 'two_factor_on_passkey' };

export function registerRecoveryCodeRoutes(app: FastifyInstance, web: WebContext, securityPage: SecurityPageWithError): void {
  const codesPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: string) => {
    const shown = await shownRecoveryCodes(web.services, user.userId, user.sessionId);
    if (!shown) return reply.redirect('/settings/security', 303);
    return sendPage(reply, status, <RecoveryCodesPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} codes={shown.codes} madeAtMs={shown.createdAtMs} turnsOnTwoFactor={shown.turnsOnTwoFactor} error={error} />);
  };

  app.get('/settings/recovery-codes', async (request, reply) => codesPage(request, reply, signedInUser(request), 200));

  app.get('/settings/recovery-codes/download', async (request, reply) => {
    const user = signedInUser(request);
    const file = await recoveryCodesDownload(web.services, user.userId, user.sessionId);
    if (file === null) return reply.redirect('/settings/security', 303);
    return reply.type('text/plain; charset=utf-8').header('Content-Disposition', 'attachment; filename="twofold-recovery-codes.txt"').send(file);
  });

  app.post('/settings/recovery-codes/saved', async (request, reply) => {
    const user = signedInUser(request);
    const shown = await shownRecoveryCodes(web.services, user.userId, user.sessionId);
    if (!shown) return reply.redirect('/settings/security', 303);
    if (formField(request, 'saved') !== 'yes') return codesPage(request, reply, user, 400, new TwofoldError('recovery_codes_not_saved').message);
    // The page names the set it showed; another set made since (another tab) is shown instead.
    const shownSet = Number(formField(request, 'shown'));
    if (shownSet !== shown.createdAtMs) return codesPage(request, reply, user, 409, new TwofoldError('recovery_codes_changed').message);
    if (!shown.turnsOnTwoFactor) {
      await forgetShownRecoveryCodes(web.services, user.userId);
      return reply.redirect('/settings/security?notice=recovery_codes_saved', 303);
    }
    const turnedOn: { method?: TwoFactorMethod } = {};
    const refusal = await refusalOf(async () => {
      const on = await turnOnTwoFactor(web.services, user.userId, requestMeta(request), shownSet);
      web.cookies.set(reply, 'session', on.sessionToken);
      turnedOn.method = on.method;
    });
    if (refusal?.code === 'two_factor_already_on') return reply.redirect('/settings/security', 303);
    if (refusal?.code === 'recovery_codes_changed') return codesPage(request, reply, user, statusOf(refusal), refusal.message);
    if (refusal) return securityPage(request, reply, user, statusOf(refusal), { form: 'two-factor', message: refusal.message, code: refusal.code });
    const method = turnedOn.method ?? 'totp';
    // Sent here by an app's sign-in (2FA required of everyone): back to it now.
    const appSignIn = takeAppSignInRequest(request, reply, web.cookies.secure);
    if (appSignIn) return reply.redirect(appSignIn, 303);
    if (method === 'sms') return reply.redirect(`/settings/security?notice=${TURNED_ON_NOTICES.sms}`, 303);
    // The app or a passkey, and no number: offer one as a way back (optional, with Skip).
    if (!(await mobileNumberOf(web.services, user.userId))) return reply.redirect(`/settings/mobile/backup?notice=${TURNED_ON_NOTICES[method]}`, 303);
    return reply.redirect(`/settings/security?notice=${TURNED_ON_NOTICES[method]}`, 303);
  });

  app.post('/settings/recovery-codes/new', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => regenerateRecoveryCodes(web.services, user.userId, formField(request, 'password'), requestMeta(request)));
    if (refusal) return securityPage(request, reply, user, statusOf(refusal), { form: 'recovery-codes', message: refusal.message, code: refusal.code });
    return reply.redirect('/settings/recovery-codes', 303);
  });
}

export type SecurityPageWithError = (
  request: FastifyRequest,
  reply: FastifyReply,
  user: SignedInUser,
  status: number,
  error: { form: 'two-factor' | 'recovery-codes'; message: string; code: ErrorCode },
) => Promise<FastifyReply>;
