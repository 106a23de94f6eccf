// The signed-in pages: home, and Settings > My password and security. Registered
// inside registerSignedInRoutes: nobody else reaches these handlers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { changePassword } from '../../services/passwords.js';
import { listActivity } from '../../services/activity.js';
import { findPendingResetNotice } from '../../services/two-factor-reset.js';
import { forgetAllRememberedDevices, forgetRememberedDevice, listRememberedDevices } from '../../services/remembered-devices.js';
import type { SignedInUser } from '../../services/sessions.js';
import { confirmPasskeyEnrollment, confirmSmsEnrollment, confirmTotpEnrollment, getTwoFactorStatus, removeTwoFactor, startSmsEnrollment, startTotpEnrollment } from '../../services/two-factor.js';
import { confirmBackupMobile, mobileNumberOf, pendingBackupMobile, resendBackupMobileCode, setMobileNumber, startAddingBackupMobile } from '../../services/mobile.js';
import { organizationNameOf } from '../../services/accounts.js';
import { recoveryCodesLeft } from '../../services/recovery-codes.js';
import { endOtherSignedInSessions, endSignedInSession, listSignedInSessions } from '../../services/signed-in-sessions.js';
import { countPasskeys } from '../../services/passkeys.js';
import { registerRecoveryCodeRoutes } from './recovery-codes.js';
import { secondsUntilResend } from '../../services/sms-codes.js';
import { type WebContext, refusalOf, sendPage, signedInUser, statusOf } from '../context.js';
import { formField, formText, queryText, requestMeta } from '../form.js';
import { noticeFor } from '../notices.js';
import { HomePage } from '../views/home.js';
import { type SecurityError, SecurityPage } from '../views/security.js';
import { BackupMobileCodePage, BackupMobileOfferPage } from '../views/backup-mobile.js';
import { AppSetupPage, ChooseMethodPage, PasskeySetupPage, SmsSetupPage } from '../views/two-factor-setup.js';

export function registerAccountRoutes(app: FastifyInstance, web: WebContext): void {
  const newSession = (reply: FastifyReply, token: string) => web.cookies.set(reply, 'session', token);

  const mobileOf = (userId: string) => mobileNumberOf(web.services, userId);

  const securityPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: SecurityError, typedMobile?: string) =>
    sendPage(
      reply,
      status,
      <SecurityPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        twoFactor={await getTwoFactorStatus(web.services, user.userId)}
        recoveryCodesLeft={await recoveryCodesLeft(web.services, user.userId)}
        passkeys={await countPasskeys(web.services, user.userId)}
        devices={await listRememberedDevices(web.services, user.userId, web.cookies.read(request, 'rememberedDevice'))}
        sessions={await listSignedInSessions(web.services, user.userId, user.sessionId)}
        mobile={await mobileOf(user.userId)}
        typedMobile={typedMobile}
        activity={(await listActivity(web.services, user.userId, 20)).items}
        notice={noticeFor(queryText(request, 'notice'))}
        error={error}
      />,
    );

  registerRecoveryCodeRoutes(app, web, securityPage);

  app.get('/', async (request, reply) => {
    const user = signedInUser(request);
    const organization = await organizationNameOf(web.services, user.orgId);
    const twoFactor = await getTwoFactorStatus(web.services, user.userId);
    return sendPage(
      reply,
      200,
      <HomePage user={user} csrfToken={web.csrf.tokenFor(request, reply)} organization={organization} twoFactorOn={twoFactor.enabled} isAdmin={user.role === 'admin'} />,
    );
  });

  app.get('/settings', async (_request, reply) => reply.redirect('/settings/security', 303));

  app.get('/settings/security', async (request, reply) => {
    const user = signedInUser(request);
    return securityPage(request, reply, user, 200);
  });

  app.post('/settings/password', async (request, reply) => {
    const user = signedInUser(request);
    const input = { currentPassword: formField(request, 'current_password'), newPassword: formField(request, 'new_password'), confirmation: formField(request, 'confirm_password') };
    const refusal = await refusalOf(async () => newSession(reply, await changePassword(web.services, user.userId, input, requestMeta(request))));
    if (refusal) return securityPage(request, reply, user, statusOf(refusal), { form: 'password', message: refusal.message, code: refusal.code });
    return reply.redirect('/settings/security?notice=password_changed', 303);
  });

  app.post('/settings/two-factor/remove', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(async () => newSession(reply, await removeTwoFactor(web.services, user.userId, formField(request, 'password'), requestMeta(request))));
    if (refusal) return securityPage(request, reply, user, statusOf(refusal), { form: 'remove', message: refusal.message, code: refusal.code });
    return reply.redirect('/settings/security?notice=two_factor_removed', 303);
  });

  app.post('/settings/sessions/end', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => endSignedInSession(web.services, user.userId, formField(request, 'session'), { ...requestMeta(request), sessionId: user.sessionId }));
    if (refusal) return reply.redirect('/settings/security#sessions', 303);
    return reply.redirect('/settings/security?notice=browser_signed_out#sessions', 303);
  });

  app.post('/settings/sessions/end-others', async (request, reply) => {
    const user = signedInUser(request);
    await endOtherSignedInSessions(web.services, user.userId, { ...requestMeta(request), sessionId: user.sessionId });
    return reply.redirect('/settings/security?notice=other_sessions_ended#sessions', 303);
  });

  app.post('/settings/devices/forget', async (request, reply) => {
    const user = signedInUser(request);
    await forgetRememberedDevice(web.services, user.userId, formField(request, 'device'), requestMeta(request));
    return reply.redirect('/settings/security?notice=device_forgotten', 303);
  });

  app.post('/settings/devices/forget-all', async (request, reply) => {
    const user = signedInUser(request);
    await forgetAllRememberedDevices(web.services, user.userId, requestMeta(request));
    web.cookies.clear(reply, 'rememberedDevice');
    return reply.redirect('/settings/security?notice=devices_forgotten', 303);
  });

  // "Protect my account": choose a method, then set it up.
  app.get('/settings/two-factor', async (request, reply) => {
    const user = signedInUser(request);
    if ((await getTwoFactorStatus(web.services, user.userId)).enabled) return reply.redirect('/settings/security', 303);
    const resetNotice = await findPendingResetNotice(web.services, user.userId);
    return sendPage(
      reply,
      200,
      <ChooseMethodPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        mobile={await mobileOf(user.userId)}
        resetNotice={resetNotice}
        required={user.twoFactorSetupRequired}
      />,
    );
  });

  app.post('/settings/two-factor', async (request, reply) => {
    const user = signedInUser(request);
    const method = formField(request, 'method');
    const choosePage = async (status: number, error: string) =>
      sendPage(reply, status, <ChooseMethodPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} mobile={await mobileOf(user.userId)} error={error} />);
    if (method === 'totp') return reply.redirect('/settings/two-factor/app', 303);
    if (method === 'webauthn') return reply.redirect('/settings/two-factor/passkey', 303);
    if (method !== 'sms') return choosePage(400, 'Choose how you want to receive your codes.');
    const refusal = await refusalOf(() => startSmsEnrollment(web.services, user.userId, requestMeta(request)));
    if (refusal?.code === 'two_factor_already_on') return reply.redirect('/settings/security', 303);
    if (refusal) return choosePage(statusOf(refusal), refusal.message);
    return reply.redirect('/settings/two-factor/sms', 303);
  });

  const smsSetupPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: string) => {
    const mobile = await mobileOf(user.userId);
    if (!mobile) return reply.redirect('/settings/two-factor', 303);
    return sendPage(
      reply,
      status,
      <SmsSetupPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        mobile={mobile}
        resendInSeconds={await secondsUntilResend(web.services, user.userId, 'enroll')}
        notice={noticeFor(queryText(request, 'notice'))}
        error={error}
      />,
    );
  };

  app.get('/settings/two-factor/sms', async (request, reply) => {
    const user = signedInUser(request);
    if ((await getTwoFactorStatus(web.services, user.userId)).enabled) return reply.redirect('/settings/security', 303);
    return smsSetupPage(request, reply, user, 200);
  });

  app.post('/settings/two-factor/sms', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => confirmSmsEnrollment(web.services, user.userId, formField(request, 'code'), requestMeta(request)));
    if (refusal?.code === 'two_factor_already_on') return reply.redirect('/settings/security', 303);
    if (refusal) return smsSetupPage(request, reply, user, statusOf(refusal), refusal.message);
    return reply.redirect('/settings/recovery-codes', 303);
  });

  app.post('/settings/two-factor/sms/resend', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => startSmsEnrollment(web.services, user.userId, requestMeta(request), { newCode: true }));
    if (refusal?.code === 'two_factor_already_on') return reply.redirect('/settings/security', 303);
    if (refusal) return smsSetupPage(request, reply, user, statusOf(refusal), refusal.message);
    return reply.redirect('/settings/two-factor/sms?notice=code_sent', 303);
  });

  const passkeySetupPage = (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: string) =>
    sendPage(reply, status, <PasskeySetupPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} error={error} />);

  app.get('/settings/two-factor/passkey', async (request, reply) => {
    const user = signedInUser(request);
    if ((await getTwoFactorStatus(web.services, user.userId)).enabled) return reply.redirect('/settings/security', 303);
    return passkeySetupPage(request, reply, user, 200);
  });

  app.post('/settings/two-factor/passkey', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() =>
      confirmPasskeyEnrollment(web.services, user.userId, user.sessionId, formField(request, 'passkey_response'), formField(request, 'name'), requestMeta(request)),
    );
    if (refusal?.code === 'two_factor_already_on') return reply.redirect('/settings/security', 303);
    if (refusal) return passkeySetupPage(request, reply, user, statusOf(refusal), refusal.message);
    return reply.redirect('/settings/recovery-codes', 303);
  });

  app.post('/settings/mobile', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => setMobileNumber(web.services, user.userId, formField(request, 'mobile'), requestMeta(request)));
    if (refusal) return securityPage(request, reply, user, statusOf(refusal), { form: 'mobile', message: refusal.message, code: refusal.code }, formText(request, 'mobile')?.slice(0, 32));
    return reply.redirect('/settings/security?notice=mobile_saved', 303);
  });

  // A mobile number added while 2FA is on (there was none): password, a current second
  // factor, then the code texted to the number. Offered once right after 2FA turns on.
  const backupOfferPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: string, typedMobile?: string) =>
    sendPage(
      reply,
      status,
      <BackupMobileOfferPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        method={(await getTwoFactorStatus(web.services, user.userId)).method}
        notice={noticeFor(queryText(request, 'notice'))}
        error={error}
        typedMobile={typedMobile}
      />,
    );

  app.get('/settings/mobile/backup', async (request, reply) => {
    const user = signedInUser(request);
    if (!(await getTwoFactorStatus(web.services, user.userId)).enabled || (await mobileOf(user.userId))) return reply.redirect('/settings/security', 303);
    return backupOfferPage(request, reply, user, 200);
  });

  app.post('/settings/mobile/backup', async (request, reply) => {
    const user = signedInUser(request);
    const input = { mobile: formField(request, 'mobile'), password: formField(request, 'password'), code: formField(request, 'code') };
    const refusal = await refusalOf(() => startAddingBackupMobile(web.services, user.userId, input, requestMeta(request)));
    const typedMobile = formText(request, 'mobile')?.slice(0, 32);
    if (refusal && formField(request, 'from') === 'offer') return backupOfferPage(request, reply, user, statusOf(refusal), refusal.message, typedMobile);
    if (refusal) return securityPage(request, reply, user, statusOf(refusal), { form: 'mobile', message: refusal.message, code: refusal.code }, typedMobile);
    return reply.redirect('/settings/mobile/backup/code', 303);
  });

  const backupCodePage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: string) => {
    const pending = await pendingBackupMobile(web.services, user.userId, user.sessionId);
    if (!pending) return reply.redirect('/settings/security', 303);
    return sendPage(
      reply,
      status,
      <BackupMobileCodePage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        mobile={pending.mobile}
        resendInSeconds={pending.resendInSeconds}
        notice={noticeFor(queryText(request, 'notice'))}
        error={error}
      />,
    );
  };

  app.get('/settings/mobile/backup/code', async (request, reply) => backupCodePage(request, reply, signedInUser(request), 200));

  app.post('/settings/mobile/backup/code', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => confirmBackupMobile(web.services, user.userId, { mobile: formField(request, 'mobile'), code: formField(request, 'code') }, requestMeta(request)));
    if (refusal?.code === 'wrong_sms_code') return backupCodePage(request, reply, user, statusOf(refusal), refusal.message);
    if (refusal) return securityPage(request, reply, user, statusOf(refusal), { form: 'mobile', message: refusal.message, code: refusal.code });
    return reply.redirect('/settings/security?notice=mobile_added', 303);
  });

  app.post('/settings/mobile/backup/resend', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => resendBackupMobileCode(web.services, user.userId, requestMeta(request)));
    if (refusal?.code === 'backup_mobile_expired') return securityPage(request, reply, user, statusOf(refusal), { form: 'mobile', message: refusal.message, code: refusal.code });
    if (refusal) return backupCodePage(request, reply, user, statusOf(refusal), refusal.message);
    return reply.redirect('/settings/mobile/backup/code?notice=code_sent', 303);
  });

  const appSetupPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: string) => {
    const enrollment = await startTotpEnrollment(web.services, user.userId, user.sessionId);
    const svg = await QRCode.toString(enrollment.keyUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const qrDataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    return sendPage(reply, status, <AppSetupPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} qrDataUrl={qrDataUrl} keyUri={enrollment.keyUri} secret={enrollment.secretForManualEntry} error={error} />);
  };

  app.get('/settings/two-factor/app', async (request, reply) => {
    const user = signedInUser(request);
    if ((await getTwoFactorStatus(web.services, user.userId)).enabled) return reply.redirect('/settings/security', 303);
    return appSetupPage(request, reply, user, 200);
  });

  app.post('/settings/two-factor/app', async (request, reply) => {
    const user = signedInUser(request);
    const refusal = await refusalOf(() => confirmTotpEnrollment(web.services, user.userId, formField(request, 'code'), requestMeta(request)));
    if (refusal?.code === 'two_factor_already_on') return reply.redirect('/settings/security', 303);
    if (refusal) return appSetupPage(request, reply, user, statusOf(refusal), refusal.message);
    return reply.redirect('/settings/recovery-codes', 303);
  });
}
