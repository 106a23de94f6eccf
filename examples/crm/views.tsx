// Harbour CRM's pages: plain HTML, forms and links only (no script), rendered on the
// server by preact, which escapes every value Twofold sends.
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { ACR_TWO_FACTORS } from './twofold.js';

export const renderPage = (page: ComponentChildren) => '<!doctype html>' + render(<>{page}</>);

function Layout(props: { title: string; children: ComponentChildren }) {
  return (
    <html lang="en-AU">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Harbour CRM`}</title>
        <link rel="stylesheet" href="/style.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            Harbour CRM
          </a>
          <span class="tagline">an example app that signs in with Twofold</span>
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/** A button that starts a sign-in at Twofold (a POST, so no other site can start one by a link). */
function SignInButton(props: { kind: 'plain' | 'two-factors' | 'again'; label: string; secondary?: boolean }) {
  return (
    <form method="post" action="/sign-in" class="inline">
      <input type="hidden" name="kind" value={props.kind} />
      <button type="submit" class={props.secondary ? 'secondary' : undefined}>
        {props.label}
      </button>
    </form>
  );
}

export function SignedOutHome(props: { notice?: string }) {
  return (
    <Layout title="Sign in">
      <h1>Harbour CRM</h1>
      {props.notice && (
        <p class="alert alert-ok" role="status">
          {props.notice}
        </p>
      )}
      <p>Your clients, policies and renewals. Sign in with your Twofold account to see them.</p>
      <SignInButton kind="plain" label="Sign in" />
    </Layout>
  );
}

/** RFC 8176 values as Twofold uses them, in words (`mfa` is said separately: two factors). */
const METHOD_WORDS: Record<string, string> = {
  pwd: 'password',
  otp: 'one-time code (authenticator app or recovery code)',
  sms: 'code by text message',
  hwk: 'security key',
  swk: 'passkey',
};

export function describeMethods(amr: readonly string[]): string {
  const factors = amr.filter((m) => m !== 'mfa').map((m) => METHOD_WORDS[m] ?? m);
  const words = factors.length > 0 ? factors.join(' + ') : 'not said';
  return amr.includes('mfa') ? `${words}: two factors` : words;
}

export const describeAcr = (acr: string) => (acr === ACR_TWO_FACTORS ? 'two factors' : acr === 'urn:twofold:acr:1fa' ? 'one factor' : 'unknown');

/** The time of the sign-in at Twofold, as people in Sydney read it. */
function formatAuthTime(seconds: number): string {
  return new Intl.DateTimeFormat('en-AU', { timeZone: 'Australia/Sydney', dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(seconds * 1000)) + ' (Sydney time)';
}

/** The claims this page shows, read defensively: an ID token is checked, its optional claims may still be absent. */
export interface ShownClaims {
  name: string;
  email: string;
  organization: string;
  aggregator: string | null;
  role: string;
  amr: string[];
  acr: string;
  authTime: number | null;
}

const nameOf = (value: unknown) => (value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string' ? (value as { name: string }).name : null);

export function shownClaims(claims: Record<string, unknown>): ShownClaims {
  const text = (key: string) => (typeof claims[key] === 'string' ? (claims[key] as string) : '');
  return {
    name: text('name'),
    email: text('email'),
    organization: nameOf(claims.organization) ?? '',
    aggregator: nameOf(claims.aggregator),
    role: text('role'),
    amr: Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [],
    acr: text('acr'),
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time : null,
  };
}

export function SignedInHome(props: { who: ShownClaims }) {
  const { who } = props;
  return (
    <Layout title="Your clients">
      <h1>Welcome, {who.name || who.email}</h1>
      <section aria-labelledby="who-heading">
        <h2 id="who-heading">Who signed in</h2>
        <dl class="facts">
          <dt>Name</dt>
          <dd id="name">{who.name}</dd>
          <dt>Email</dt>
          <dd id="email">{who.email}</dd>
          <dt>Firm</dt>
          <dd id="firm">{who.organization}</dd>
          <dt>Aggregator</dt>
          <dd id="aggregator">{who.aggregator ?? 'none (you belong to the aggregator itself)'}</dd>
          <dt>Role</dt>
          <dd id="role">{who.role}</dd>
        </dl>
      </section>
      <section aria-labelledby="how-heading">
        <h2 id="how-heading">How you signed in</h2>
        <dl class="facts">
          <dt>Factors</dt>
          <dd>
            <span id="factors">{describeMethods(who.amr)}</span> (<code id="amr">{who.amr.join(' ')}</code>)
          </dd>
          <dt>Assurance</dt>
          <dd>
            <span id="assurance">{describeAcr(who.acr)}</span> (<code id="acr">{who.acr}</code>)
          </dd>
          <dt>When</dt>
          <dd id="auth-time">{who.authTime === null ? 'not said' : <time dateTime={new Date(who.authTime * 1000).toISOString()}>{formatAuthTime(who.authTime)}</time>}</dd>
        </dl>
      </section>
      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">Sign-in</h2>
        <p>Ask Twofold for two factors (it asks for your code even on a remembered device), or for your password again.</p>
        <div class="actions">
          <SignInButton kind="two-factors" label="Ask for two factors" secondary />
          <SignInButton kind="again" label="Sign in again" secondary />
          <form method="post" action="/sign-out" class="inline">
            <button type="submit">Sign out</button>
          </form>
        </div>
      </section>
    </Layout>
  );
}

/** Twofold said no, or the answer could not be used: what happened, and a way on. */
export function ProblemPage(props: { title: string; message: string; detail?: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p class="alert alert-error" role="alert">
        {props.message}
      </p>
      {props.detail && (
        <p>
          What Twofold said: <code id="error-detail">{props.detail}</code>
        </p>
      )}
      <div class="actions">
        <SignInButton kind="plain" label="Try again" />
        <a href="/">Back to Harbour CRM</a>
      </div>
    </Layout>
  );
}
