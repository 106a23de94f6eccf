// The way back after sign-in: a local `next`, or an absolute `rd` to an app behind forward
// auth, only to the hosts FORWARD_AUTH_DOMAINS lists (the rule is domain/redirects.ts).
import type { Config } from '../config.js';
import { type WayBackRule, allowedWayBack, safeLocalPath } from '../domain/redirects.js';

export function wayBackRuleOf(config: Config): WayBackRule {
  return { domains: config.forwardAuthDomains, allowHttp: new URL(config.publicUrl).protocol === 'http:' };
}

/** The CSP sources that let a sign-in form's redirect reach those hosts (any port). */
export function formActionSourcesOf(rule: WayBackRule): string[] {
  const schemes = rule.allowHttp ? ['https', 'http'] : ['https'];
  return rule.domains.flatMap((domain) => schemes.map((scheme) => `${scheme}://${domain.startsWith('.') ? `*${domain}` : domain}:*`));
}

/** What a sign-in form carries: an allowed `rd`, else a safe local `next`, else nothing. */
export interface WayBack {
  rd?: string | undefined;
  next?: string | undefined;
}

/** From the sign-in page's query or form: an unlisted `rd` is dropped, never kept. */
export function wayBackFrom(rule: WayBackRule, fields: { rd: string | undefined; next: string | undefined }): WayBack {
  const rd = allowedWayBack(fields.rd, rule);
  if (rd !== null) return { rd };
  const next = safeLocalPath(fields.next, '');
  return next === '' ? {} : { next };
}

/** Where the browser goes once signed in. */
export function destinationOf(wayBack: WayBack): string {
  return wayBack.rd ?? wayBack.next ?? '/';
}
