// "Forgot your password?" and invitation links.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage } from '../../errors.js';
import { checkAccountLink, requestPasswordReset, setPasswordFromLink } from '../../services/account-links.js';
import { normalizeEmail } from '../../domain/accounts.js';
import { type WebContext, refusalOf, sendPage, statusOf } from '../context.js';
import { formField, formText, queryText, requestMeta } from '../form.js';
import { ChoosePasswordPage, DeadLinkPage, ForgotPasswordPage } from '../views/account-links.js';

export function registerAccountLinkRoutes(app: FastifyInstance, web: WebContext): void {
  // The sign-in page passes on the email already typed: one thing fewer to type again.
  app.get('/forgot-password', async (request, reply) =>
    sendPage(reply, 200, <ForgotPasswordPage csrfToken={web.csrf.tokenFor(request, reply)} email={queryText(request, 'email')?.slice(0, 254)} />),
  );

  app.post('/forgot-password', async (request, reply) => {
    const email = normalizeEmail(formField(request, 'email'));
    if (email === null) {
      return sendPage(reply, 400, <ForgotPasswordPage csrfToken={web.csrf.tokenFor(request, reply)} error={errorMessage('email_invalid')} email={formText(request, 'email')?.slice(0, 254)} />);
    }
    // The lookup, the token and the email happen after the reply: its words and its
    // timing are the same whether or not the email has an account.
    web.services.background.run(requestPasswordReset(web.services, email, requestMeta(request)), (error: unknown) => request.log.error({ err: error }, 'password reset request failed'));
    return sendPage(reply, 200, <ForgotPasswordPage csrfToken={web.csrf.tokenFor(request, reply)} sent />);
  });

  for (const [path, purpose, deadCode] of [
    ['/reset-password', 'password_reset', 'reset_link_invalid'],
    ['/invitation', 'invitation', 'invitation_link_invalid'],
  ] as const) {
    const page = async (request: FastifyRequest, reply: FastifyReply, token: string | undefined, status: number, error?: string) => {
      const link = await checkAccountLink(web.services, token, purpose);
      if (!link.valid) return sendPage(reply, 400, <DeadLinkPage message={errorMessage(deadCode)} offerNewReset={purpose === 'password_reset'} />);
      return sendPage(reply, status, <ChoosePasswordPage csrfToken={web.csrf.tokenFor(request, reply)} token={token!} action={path} email={link.email} error={error} />);
    };

    app.get(path, async (request, reply) => page(request, reply, queryText(request, 'token'), 200));

    app.post(path, async (request, reply) => {
      const token = formText(request, 'token');
      const input = { token, password: formField(request, 'password'), confirmation: formField(request, 'confirm_password'), purpose };
      let twoFactorOn = false;
      const refusal = await refusalOf(async () => {
        twoFactorOn = (await setPasswordFromLink(web.services, input, requestMeta(request))).twoFactorOn;
      });
      if (refusal?.code === deadCode) return sendPage(reply, 400, <DeadLinkPage message={refusal.message} offerNewReset={purpose === 'password_reset'} />);
      if (refusal) return page(request, reply, token, statusOf(refusal), refusal.message);
      // A browser signed in as someone else must not stay so on this machine.
      web.cookies.clear(reply, 'session');
      const notice = purpose === 'invitation' ? 'invitation_accepted' : twoFactorOn ? 'password_reset_done' : 'password_reset_done_no_2fa';
      return reply.redirect(`/sign-in?notice=${notice}`, 303);
    });
  }
}
