// The signed-in pages: home, and Settings > My password and security.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { TwofoldError } from '../../errors.js';
import { changePassword } from '../../services/passwords.js';
import { forgetAllRememberedDevices, forgetRememberedDevice, listRememberedDevices } from '../../services/remembered-devices.js';
import type { SignedInUser } from '../../services/sessions.js';
import { confirmTotpEnrollment, getTwoFactorStatus, removeTwoFactor, startTotpEnrollment } from '../../services/two-factor.js';
import { findOrganizationById } from '../../store/organizations.js';
import { type WebContext, requireUser, sendPage } from '../context.js';
import { formField, queryText, requestMeta } from '../form.js';
import { noticeFor } from '../notices.js';
import { HomePage } from '../views/home.js';
import { type SecurityForm, SecurityPage } from '../views/security.js';
import { AppSetupPage, ChooseMethodPage } from '../views/two-factor-setup.js';
import { ERRORS } from '../../errors.js';

export function registerAccountRoutes(app: FastifyInstance, web: WebContext): void {
  const newSession = (reply: FastifyReply, token: string) => web.cookies.set(reply, 'session', token);

  const securityPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: { form: SecurityForm; message: string }) =>
    sendPage(
      reply,
      status,
      <SecurityPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        twoFactor={await getTwoFactorStatus(web.services, user.userId)}
        devices={await listRememberedDevices(web.services, user.userId, web.cookies.read(request, 'rememberedDevice'))}
        notice={noticeFor(queryText(request, 'notice'))}
        error={error}
      />,
    );

  app.get('/', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    const org = await findOrganizationById(web.services.db, user.orgId);
    const twoFactor = await getTwoFactorStatus(web.services, user.userId);
    return sendPage(reply, 200, <HomePage user={user} csrfToken={web.csrf.tokenFor(request, reply)} organization={org?.name ?? ''} twoFactorOn={twoFactor.enabled} />);
  });

  app.get('/settings', async (_request, reply) => reply.redirect('/settings/security', 303));

  app.get('/settings/security', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    return securityPage(request, reply, user, 200);
  });

  app.post('/settings/password', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    try {
      const input = { currentPassword: formField(request, 'current_password'), newPassword: formField(request, 'new_password'), confirmation: formField(request, 'confirm_password') };
      newSession(reply, await changePassword(web.services, user.userId, input, requestMeta(request)));
      return reply.redirect('/settings/security?notice=password_changed', 303);
    } catch (error) {
      if (!(error instanceof TwofoldError)) throw error;
      return securityPage(request, reply, user, ERRORS[error.code].status, { form: 'password', message: error.message });
    }
  });

  app.post('/settings/two-factor/remove', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    try {
      newSession(reply, await removeTwoFactor(web.services, user.userId, formField(request, 'password'), requestMeta(request)));
      return reply.redirect('/settings/security?notice=two_factor_removed', 303);
    } catch (error) {
      if (!(error instanceof TwofoldError)) throw error;
      return securityPage(request, reply, user, ERRORS[error.code].status, { form: 'remove', message: error.message });
    }
  });

  app.post('/settings/devices/forget', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    await forgetRememberedDevice(web.services, user.userId, formField(request, 'device'), requestMeta(request));
    return reply.redirect('/settings/security?notice=device_forgotten', 303);
  });

  app.post('/settings/devices/forget-all', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    await forgetAllRememberedDevices(web.services, user.userId, requestMeta(request));
    web.cookies.clear(reply, 'rememberedDevice');
    return reply.redirect('/settings/security?notice=devices_forgotten', 303);
  });

  // "Protect my account": choose a method, then set it up.
  app.get('/settings/two-factor', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    if ((await getTwoFactorStatus(web.services, user.userId)).enabled) return reply.redirect('/settings/security', 303);
    return sendPage(reply, 200, <ChooseMethodPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} />);
  });

  app.post('/settings/two-factor', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    if (formField(request, 'method') !== 'totp') {
      return sendPage(reply, 400, <ChooseMethodPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} error="Choose how you want to receive your codes." />);
    }
    return reply.redirect('/settings/two-factor/app', 303);
  });

  const appSetupPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, error?: string) => {
    const enrollment = await startTotpEnrollment(web.services, user.userId);
    const svg = await QRCode.toString(enrollment.keyUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const qrDataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    return sendPage(reply, status, <AppSetupPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} qrDataUrl={qrDataUrl} secret={enrollment.secretForManualEntry} error={error} />);
  };

  app.get('/settings/two-factor/app', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    if ((await getTwoFactorStatus(web.services, user.userId)).enabled) return reply.redirect('/settings/security', 303);
    return appSetupPage(request, reply, user, 200);
  });

  app.post('/settings/two-factor/app', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    try {
      newSession(reply, await confirmTotpEnrollment(web.services, user.userId, formField(request, 'code'), requestMeta(request)));
      return reply.redirect('/settings/security?notice=two_factor_on', 303);
    } catch (error) {
      if (!(error instanceof TwofoldError)) throw error;
      if (error.code === 'two_factor_already_on') return reply.redirect('/settings/security', 303);
      return appSetupPage(request, reply, user, ERRORS[error.code].status, error.message);
    }
  });
}
