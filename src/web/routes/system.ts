// Health, the session API for apps behind Twofold, and static assets.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { isDatabaseReachable } from '../../services/health.js';
import type { WebContext } from '../context.js';

const stylesheet = readFileSync(new URL('../assets/app.css', import.meta.url), 'utf8');
/** Our scripts: static files only (the CSP is script-src 'self'), each an enhancement a page works without. */
const SCRIPTS = ['recovery-codes.js', 'copy-key.js', 'countdown.js'];
const scripts = new Map(SCRIPTS.map((name) => [name, readFileSync(new URL(`../assets/${name}`, import.meta.url), 'utf8')]));

export function registerSystemRoutes(app: FastifyInstance, web: WebContext): void {
  app.get('/healthz', async (_request, reply) => {
    if (await isDatabaseReachable(web.services)) return reply.send({ status: 'ok' });
    return reply.code(503).send({ status: 'database unavailable' });
  });

  app.get('/api/session', async (request, reply) => {
    const user = request.user;
    if (!user) return reply.code(401).send({ signedIn: false });
    return reply.send({ signedIn: true, user: { id: user.userId, email: user.email, name: user.name, role: user.role, organizationId: user.orgId } });
  });

  app.get('/assets/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(stylesheet));
  for (const [name, body] of scripts) {
    app.get(`/assets/${name}`, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(body));
  }
}
