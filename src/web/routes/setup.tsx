// The first-run setup link printed on the console of an empty server.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorMessage } from '../../errors.js';
import { completeFirstRunSetup, isSetUp, isSetupLinkValid } from '../../services/first-run.js';
import { type WebContext, refusalOf, sendPage, statusOf } from '../context.js';
import { formField, formText, queryText } from '../form.js';
import { ErrorPage } from '../views/error.js';
import { FirstRunPage } from '../views/setup.js';

export function registerSetupRoutes(app: FastifyInstance, web: WebContext): void {
  /** A dead link says what to do: restart while no one has an account; sign in once someone does. */
  const deadLink = async (reply: FastifyReply) =>
    (await isSetUp(web.services))
      ? sendPage(reply, 409, <ErrorPage title="Twofold is already set up" message={errorMessage('setup_already_done')} link={{ href: '/sign-in', label: 'Go to sign in' }} />)
      : sendPage(reply, 404, <ErrorPage title="Setup link not valid" message={errorMessage('setup_link_invalid')} />);

  app.get('/setup', async (request, reply) => {
    const token = queryText(request, 'token');
    if (!(await isSetupLinkValid(web.services, token))) return deadLink(reply);
    return sendPage(reply, 200, <FirstRunPage csrfToken={web.csrf.tokenFor(request, reply)} token={token!} />);
  });

  app.post('/setup', async (request, reply) => {
    const token = formText(request, 'token');
    if (!(await isSetupLinkValid(web.services, token))) return deadLink(reply);
    const input = {
      orgName: formField(request, 'org_name'),
      name: formField(request, 'name'),
      email: formField(request, 'email'),
      password: formField(request, 'password'),
      confirmation: formField(request, 'confirm_password'),
    };
    const refusal = await refusalOf(() => completeFirstRunSetup(web.services, token, input));
    if (refusal) {
      const values = { orgName: formText(request, 'org_name')?.slice(0, 100), name: formText(request, 'name')?.slice(0, 100), email: formText(request, 'email')?.slice(0, 254) };
      return sendPage(reply, statusOf(refusal), <FirstRunPage csrfToken={web.csrf.tokenFor(request, reply)} token={token!} error={refusal.message} values={values} />);
    }
    return reply.redirect('/sign-in?notice=setup_done', 303);
  });
}
