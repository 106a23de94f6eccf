// /dev/outbox: what the outbox providers "sent", for a person trying Twofold on a laptop.
// Whoever reads it can take any account (reset links, codes), so it exists only with
// DEV_OUTBOX=1 (which the configuration refuses in production and behind a proxy), and
// answers only the random key printed at start; anything else is the same 404 as absence.
import type { FastifyInstance } from 'fastify';
import { constantTimeEqual } from '../../crypto/tokens.js';
import { listOutbox } from '../../services/outbox.js';
import { type WebContext, sendPage } from '../context.js';
import { queryText } from '../form.js';
import { OutboxPage } from '../views/outbox.js';

export function registerDevOutboxRoutes(app: FastifyInstance, web: WebContext, key: string | undefined): void {
  if (!web.config.devOutbox || web.config.production || key === undefined) return;
  app.get('/dev/outbox', async (request, reply) => {
    const typed = queryText(request, 'key') ?? '';
    if (!constantTimeEqual(typed, key)) return reply.callNotFound();
    return sendPage(reply, 200, <OutboxPage messages={await listOutbox(web.services, 50)} />);
  });
}
