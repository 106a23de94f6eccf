// /dev/outbox: what the outbox providers "sent", for people trying Twofold. Never in production.
import type { FastifyInstance } from 'fastify';
import { listOutboxMessages } from '../../store/outbox.js';
import { type WebContext, sendPage } from '../context.js';
import { OutboxPage } from '../views/outbox.js';

export function registerDevOutboxRoutes(app: FastifyInstance, web: WebContext): void {
  if (web.config.production) return;
  app.get('/dev/outbox', async (_request, reply) => sendPage(reply, 200, <OutboxPage messages={await listOutboxMessages(web.services.db, 50)} />));
}
