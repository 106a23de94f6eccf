// Harbour CRM, a small Fastify app that signs people in with Twofold. buildCrm() makes it
// without listening, so tests can start it in-process beside a Twofold; main.ts serves it.
import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { ComponentChildren } from 'preact';
import { CrmMemory, newBrowserId } from './memory.js';
import { ACR_TWO_FACTORS, type SignInKind, type TwofoldSettings, TwofoldSignIn, oidc } from './twofold.js';
import { ProblemPage, SignedInHome, SignedOutHome, renderPage, shownClaims } from './views.js';

export interface CrmOptions extends TwofoldSettings {
  logger?: boolean;
}

const STYLE = readFileSync(new URL('./style.css', import.meta.url));
const KINDS: readonly SignInKind[] = ['plain', 'two-factors', 'again'];

export async function buildCrm(options: CrmOptions): Promise<FastifyInstance> {
  const twofold = new TwofoldSignIn(options);
  const memory = new CrmMemory();
  const own = new URL(options.baseUrl);
  const secure = own.protocol === 'https:';
  // One random id per browser; everything it stands for stays on the server (memory.ts).
  const cookieName = secure ? '__Host-harbour_crm' : 'harbour_crm';
  const browserIdOf = (cookies: Record<string, string | undefined>) => cookies[cookieName];

  const app = Fastify({ logger: options.logger ?? false });
  await app.register(cookie);
  await app.register(formbody);

  const send = (reply: FastifyReply, status: number, page: ComponentChildren) => reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));

  app.addHook('onSend', async (_request, reply) => {
    reply.header(
      'Content-Security-Policy',
      // No script at all; forms post here, and their answers redirect to Twofold's pages.
      `default-src 'none'; style-src 'self'; form-action 'self' ${new URL(options.issuer).origin}; frame-ancestors 'none'; base-uri 'none'`,
    );
    reply.header('X-Content-Type-Options', 'nosniff');
    // same-origin: Chromium still sends the Origin the check below reads.
    reply.header('Referrer-Policy', 'same-origin');
    reply.header('Cache-Control', 'no-store');
  });

  // Forms are posted only from the CRM's own pages: another site cannot sign someone out or start a sign-in.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const origin = request.headers.origin;
    if (origin === own.origin || (origin === undefined && request.headers['sec-fetch-site'] === 'same-origin')) return;
    return send(reply, 403, <ProblemPage title="Not allowed" message="That form did not come from Harbour CRM." />);
  });

  app.get('/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLE));

  app.get('/', async (request, reply) => {
    const session = memory.session(browserIdOf(request.cookies));
    return send(reply, 200, session ? <SignedInHome who={shownClaims(session.claims)} /> : <SignedOutHome />);
  });

  app.post('/sign-in', async (request, reply) => {
    const asked = (request.body as { kind?: unknown } | undefined)?.kind;
    const kind = KINDS.find((k) => k === asked) ?? 'plain';
    let browserId = browserIdOf(request.cookies);
    if (!browserId) {
      browserId = newBrowserId();
      reply.setCookie(cookieName, browserId, { path: '/', httpOnly: true, sameSite: 'lax', secure });
    }
    try {
      const started = await twofold.start(kind);
      memory.addPending({ browserId, codeVerifier: started.codeVerifier, nonce: started.nonce, state: started.state, wantsTwoFactors: kind === 'two-factors' });
      return reply.redirect(started.url.href, 303);
    } catch (error) {
      request.log.error({ message: error instanceof Error ? error.message : String(error) }, 'Twofold discovery failed');
      return send(reply, 503, <ProblemPage title="Twofold cannot be reached" message="Harbour CRM could not reach Twofold to sign you in. Try again in a moment." />);
    }
  });

  app.get('/callback', async (request, reply) => {
    const browserId = browserIdOf(request.cookies);
    const state = (request.query as { state?: unknown }).state;
    const pending = memory.takePending(typeof state === 'string' ? state : undefined, browserId);
    if (!browserId || !pending) {
      return send(reply, 400, <ProblemPage title="This sign-in cannot be finished" message="It was started in another browser, took more than 10 minutes, or was already used. Please start again." />);
    }
    let signedIn: { claims: Record<string, unknown>; idToken: string };
    try {
      signedIn = await twofold.finish(new URL(request.url, own), pending);
    } catch (error) {
      if (error instanceof oidc.AuthorizationResponseError) {
        const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
        const message =
          error.error === 'access_denied'
            ? 'Twofold did not sign you in to Harbour CRM with that account. If you think it should have, ask whoever looks after Twofold for your firm.'
            : 'Twofold could not sign you in this time. Please try again.';
        return send(reply, error.error === 'access_denied' ? 403 : 400, <ProblemPage title="You are not signed in" message={message} detail={detail} />);
      }
      request.log.error({ message: error instanceof Error ? error.message : String(error) }, 'the answer from Twofold was refused');
      return send(reply, 502, <ProblemPage title="You are not signed in" message="Twofold's answer could not be checked, so Harbour CRM did not sign you in. Please try again." />);
    }
    // acr_values is a request, not a promise: what counts is what the checked ID token says.
    if (pending.wantsTwoFactors && signedIn.claims.acr !== ACR_TWO_FACTORS) {
      return send(reply, 403, <ProblemPage title="Two factors were not confirmed" message="Harbour CRM asked Twofold for two factors, and the answer says fewer. You were not signed in that way." detail={String(signedIn.claims.acr)} />);
    }
    memory.setSession(browserId, signedIn);
    return reply.redirect('/', 303);
  });

  // Signing out of the CRM ends its own session at once, then asks Twofold to end the
  // Twofold sign-in too (RP-initiated logout), which sends the browser back to /signed-out.
  app.post('/sign-out', async (request, reply) => {
    const session = memory.endSession(browserIdOf(request.cookies));
    if (!session) return reply.redirect('/', 303);
    try {
      return reply.redirect((await twofold.signOutUrl(session.idToken)).href, 303);
    } catch {
      return reply.redirect('/signed-out', 303);
    }
  });

  app.get('/signed-out', async (_request, reply) => send(reply, 200, <SignedOutHome notice="You are signed out of Harbour CRM." />));

  return app;
}
