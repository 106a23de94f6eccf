// The first-run setup link printed on the console of an empty server.
import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../errors.js';
import { completeFirstRunSetup, isSetupLinkValid } from '../../services/first-run.js';
import { type WebContext, refusalOf, sendPage, statusOf } from '../context.js';
import { formField, formText, queryText } from '../form.js';
import { ErrorPage } from '../views/error.js';
import { FirstRunPage } from '../views/setup.js';

export function registerSetupRoutes(app: FastifyInstance, web: WebContext): void {
  app.get('/setup', async (request, reply) => {
    const token = queryText(request, 'token');
    if (!(await isSetupLinkValid(web.services, token))) return sendPage(reply, 404, <ErrorPage title="Setup link not valid" message={errorMessage('setup_link_invalid')} />);
    return sendPage(reply, 200, <FirstRunPage csrfToken={web.csrf.tokenFor(request, reply)} token={token!} />);
  });

  app.post('/setup', async (request, reply) => {
    const token = formText(request, 'token');
    if (!(await isSetupLinkValid(web.services, token))) return sendPage(reply, 404, <ErrorPage title="Setup link not valid" message={errorMessage('setup_link_invalid')} />);
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
