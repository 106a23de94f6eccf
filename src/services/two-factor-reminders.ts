// "Remind people without 2FA": one press emails everyone in the admin's reach (or one
// firm of it) who has a password and no second factor yet, at most once a week each.
import { type Actor, adminScopeOf, canRemindAboutTwoFactor } from '../domain/authorization.js';
import { twoFactorReminderEmail } from '../domain/emails.js';
import { TWO_FACTOR_REMINDER_INTERVAL_IN_MS } from '../domain/overview.js';
import { listOrganizationsInScope, listPeopleWithoutTwoFactor } from '../store/admin.js';
import { enqueueEmail } from '../store/email-queue.js';
import { findOrganizationById } from '../store/organizations.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { claimTwoFactorReminders } from '../store/two-factor-reminders.js';
import { refuse } from './admin.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { inTransaction } from './transaction.js';

const PAGE = 500;

export interface ReminderOutcome {
  /** emailed now */
  reminded: number;
  /** without 2FA but reminded in the last week, so skipped */
  skipped: number;
}

export async function remindPeopleWithoutTwoFactor(ctx: ServiceContext, actor: Actor, firm: unknown, meta: RequestMeta): Promise<ReminderOutcome> {
  const scope = adminScopeOf(actor);
  if (scope === null || !canRemindAboutTwoFactor(actor)) return refuse(ctx, actor, 'remind people without 2FA', meta);
  // No firm: the whole reach. A firm: one of the reach's organisations, or a refusal
  // (recorded): a malformed or foreign one must never widen the press to everyone.
  let firmId: string | undefined;
  if (firm !== undefined && firm !== '') {
    const reach = await listOrganizationsInScope(ctx.db, scope);
    if (typeof firm !== 'string' || !reach.some((org) => org.id === firm)) return refuse(ctx, actor, `remind people without 2FA in ${String(firm).slice(0, 64)}`, meta);
    firmId = firm;
  }
  const organization = (await findOrganizationById(ctx.db, actor.orgId))?.name ?? 'Your aggregator';
  const url = new URL('/settings/two-factor', ctx.publicUrl).toString();
  const outcome: ReminderOutcome = { reminded: 0, skipped: 0 };
  // Page by page, each in its own transaction: a reach of thousands is never one huge
  // transaction, and a page's claims, emails and records commit together.
  for (let afterId = ''; ; ) {
    const people = await listPeopleWithoutTwoFactor(ctx.db, scope, { firmId, afterId, limit: PAGE });
    if (people.length === 0) break;
    afterId = people[people.length - 1]!.id;
    const claimed = await inTransaction(ctx, async (tx) => {
      const nowMs = ctx.now();
      const ids = new Set(await claimTwoFactorReminders(tx.db, people.map((p) => p.id), { nowMs, notSinceMs: nowMs - TWO_FACTOR_REMINDER_INTERVAL_IN_MS, sentBy: actor.userId }));
      for (const person of people.filter((p) => ids.has(p.id))) {
        await enqueueEmail(tx.db, { to: person.email, content: twoFactorReminderEmail({ name: person.name, organization, url }), kind: 'two_factor_reminder', nowMs });
        // The admin is the actor; their address and browser are not put on the person's
        // record, where they would read like a sign-in of the person's own.
        await appendSecurityEvent(tx.db, { type: 'two_factor_reminder_sent', userId: person.id, actorId: actor.userId, detail: `by ${organization}`, atMs: nowMs });
      }
      if (ids.size > 0) tx.afterCommit(() => ctx.onEmailQueued?.());
      return ids.size;
    });
    outcome.reminded += claimed;
    outcome.skipped += people.length - claimed;
    if (people.length < PAGE) break;
  }
  return outcome;
}
