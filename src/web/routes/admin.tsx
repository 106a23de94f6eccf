// The admin area: aggregator admins (and, read-only, firm admins) over their people.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminKindOf, canRemindAboutTwoFactor, canRequireTwoFactor, canResendInvitation, whyAccountChangeIsRefused, whyResetIsRefused, whyUnlockIsRefused } from '../../domain/authorization.js';
import { type TwofoldError, errorMessage } from '../../errors.js';
import { activityCsv, listActivity } from '../../services/activity.js';
import {
  ADMIN_LIST_LIMIT,
  actorFor,
  adminOrganizationOf,
  changeRoleAsAdmin,
  deactivateAsAdmin,
  findManagedUser,
  inviteAsAdmin,
  listAdminFirms,
  listUsersForAdmin,
  mayInvite,
  peopleFilterOf,
  reactivateAsAdmin,
  refuse,
  resendInvitation,
  resetTwoFactorAsAdmin,
  setTwoFactorRequirement,
  unlockCodeStepAsAdmin,
} from '../../services/admin.js';
import type { SignedInUser } from '../../services/sessions.js';
import { type WebContext, refusalOf, sendPage, signedInUser, statusOf } from '../context.js';
import { formField, formText, queryText, requestMeta } from '../form.js';
import { noticeFor } from '../notices.js';
import { AdminListPage, AdminUserPage, InvitePage, type InviteValues } from '../views/admin.js';
import { AdminOverviewPage, ConfirmRequirementPage } from '../views/admin-overview.js';
import { adoptionTotalsFor, loadOverview } from '../../services/overview.js';
import { remindPeopleWithoutTwoFactor } from '../../services/two-factor-reminders.js';

const DAY_IN_MS = 86_400_000;

/** Refusals that must show the shared error page: they say nothing about the target. */
const isAccessRefusal = (refusal: TwofoldError) => refusal.code === 'forbidden' || refusal.code === 'not_found';

/** "2026-11-01" as the start of that day in UTC, or null. */
function parseDay(text: string | undefined): number | null {
  if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  // Strict: "2026-02-31" is not quietly 3 March.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? null : ms;
}

export function registerAdminRoutes(app: FastifyInstance, web: WebContext): void {
  const userPage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, targetId: unknown, status: number, extra: { error?: string; unlockError?: string; standingError?: string; exportError?: string; values?: Record<string, string> } = {}) => {
    const actor = await actorFor(web.services, user);
    const target = await findManagedUser(web.services, actor, targetId, requestMeta(request));
    const activity = await listActivity(web.services, target.id, 25, queryText(request, 'before'));
    const place = { userId: target.id, orgId: target.org_id, parentOrgId: target.org_parent_id };
    const canReset = whyResetIsRefused(actor, place) === null;
    return sendPage(
      reply,
      status,
      <AdminUserPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        target={target}
        canReset={canReset}
        canUnlock={whyUnlockIsRefused(actor, place) === null}
        awaitingPassword={target.awaiting_password}
        canResendInvitation={canResendInvitation(actor, place)}
        canChangeStanding={whyAccountChangeIsRefused(actor, place) === null}
        activity={activity.items}
        nextCursor={activity.nextCursor}
        nowMs={web.services.now()}
        notice={noticeFor(queryText(request, 'notice'))}
        {...extra}
      />,
    );
  };

  app.get('/admin', async (request, reply) => {
    // The list used to live here: an old bookmark with a search goes to the People tab.
    const user = signedInUser(request);
    const search = queryText(request, 'q');
    // URLSearchParams, not encodeURIComponent: a lone half of an emoji must not throw.
    if (search !== undefined) return reply.redirect(`/admin/people?${new URLSearchParams({ q: [...search].slice(0, 100).join('') }).toString()}`, 302);
    const actor = await actorFor(web.services, user);
    const overview = await loadOverview(web.services, actor, requestMeta(request));
    const org = await adminOrganizationOf(web.services, actor);
    return sendPage(
      reply,
      200,
      <AdminOverviewPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        organization={org.name}
        isAggregatorAdmin={adminKindOf(actor) === 'aggregator_admin'}
        requireTwoFactor={org.requireTwoFactor}
        overview={overview}
        notice={noticeFor(queryText(request, 'notice'))}
      />,
    );
  });

  app.get('/admin/people', async (request, reply) => {
    const user = signedInUser(request);
    const actor = await actorFor(web.services, user);
    const search = queryText(request, 'q') ?? '';
    const filter = peopleFilterOf({ firm: queryText(request, 'firm'), twoFactor: queryText(request, 'two_factor'), status: queryText(request, 'status') });
    const rows = await listUsersForAdmin(web.services, actor, search, requestMeta(request), { firm: filter.firmId, twoFactor: filter.twoFactor, status: filter.status });
    const org = await adminOrganizationOf(web.services, actor);
    return sendPage(
      reply,
      200,
      <AdminListPage
        user={user}
        csrfToken={web.csrf.tokenFor(request, reply)}
        organization={org.name}
        firms={await listAdminFirms(web.services, actor)}
        filter={filter}
        rows={rows}
        limit={ADMIN_LIST_LIMIT}
        canRemind={canRemindAboutTwoFactor(actor)}
        canInvite={mayInvite(actor)}
        search={search.slice(0, 100)}
        nowMs={web.services.now()}
        notice={noticeFor(queryText(request, 'notice'))}
      />,
    );
  });

  const invitePage = async (request: FastifyRequest, reply: FastifyReply, user: SignedInUser, status: number, values: InviteValues, error?: string) => {
    const actor = await actorFor(web.services, user);
    // Firm admins only read: the form is refused (and recorded) as its answer would be.
    if (!mayInvite(actor)) return refuse(web.services, actor, 'invite a person: only aggregator admins may', requestMeta(request));
    const org = await adminOrganizationOf(web.services, actor);
    return sendPage(
      reply,
      status,
      <InvitePage user={user} csrfToken={web.csrf.tokenFor(request, reply)} organization={org.name} firms={await listAdminFirms(web.services, actor)} values={values} error={error} />,
    );
  };

  app.get('/admin/people/invite', async (request, reply) => invitePage(request, reply, signedInUser(request), 200, {}));

  app.post('/admin/people/invite', async (request, reply) => {
    const user = signedInUser(request);
    const actor = await actorFor(web.services, user);
    const input = { name: formField(request, 'name'), email: formField(request, 'email'), firmId: formField(request, 'firm'), role: formField(request, 'role'), mobile: formField(request, 'mobile') };
    let created: { id: string } | undefined;
    const refusal = await refusalOf(async () => {
      created = await inviteAsAdmin(web.services, actor, input, requestMeta(request));
    });
    // Not an aggregator admin, or a firm outside their reach: the shared 403 page.
    if (refusal && isAccessRefusal(refusal)) throw refusal;
    if (refusal || !created) {
      const values = {
        name: formText(request, 'name')?.slice(0, 100) ?? '',
        email: formText(request, 'email')?.slice(0, 254) ?? '',
        firmId: formText(request, 'firm')?.slice(0, 64) ?? '',
        role: formText(request, 'role') === 'admin' ? 'admin' : 'member',
        mobile: formText(request, 'mobile')?.slice(0, 32) ?? '',
      };
      return invitePage(request, reply, user, refusal ? statusOf(refusal) : 500, values, refusal?.message);
    }
    return reply.redirect(`/admin/users/${encodeURIComponent(created.id)}?notice=person_invited`, 303);
  });

  /** One of the standing changes on a person's page: out of reach is the shared page; anything else shows by its form. */
  const standingRoute = (path: string, notice: string, act: (actor: Awaited<ReturnType<typeof actorFor>>, targetId: string, request: FastifyRequest) => Promise<void>) => {
    app.post(`/admin/users/:id/${path}`, async (request, reply) => {
      const user = signedInUser(request);
      const actor = await actorFor(web.services, user);
      const targetId = (request.params as { id: string }).id;
      const refusal = await refusalOf(() => act(actor, targetId, request));
      if (refusal && isAccessRefusal(refusal)) throw refusal;
      if (refusal) return userPage(request, reply, user, targetId, statusOf(refusal), { standingError: refusal.message });
      return reply.redirect(`/admin/users/${encodeURIComponent(targetId)}?notice=${notice}`, 303);
    });
  };
  standingRoute('role', 'role_changed', (actor, targetId, request) => changeRoleAsAdmin(web.services, actor, targetId, formField(request, 'role'), requestMeta(request)));
  standingRoute('deactivate', 'account_deactivated', (actor, targetId, request) => deactivateAsAdmin(web.services, actor, targetId, requestMeta(request)));
  standingRoute('reactivate', 'account_reactivated', (actor, targetId, request) => reactivateAsAdmin(web.services, actor, targetId, requestMeta(request)));

  // One click asks; the second, on a page saying whom it affects, changes it.
  app.post('/admin/require-two-factor', async (request, reply) => {
    const user = signedInUser(request);
    const actor = await actorFor(web.services, user);
    const required = formField(request, 'required') === 'yes';
    if (formField(request, 'confirmed') !== 'yes' && canRequireTwoFactor(actor, actor.orgId)) {
      const totals = await adoptionTotalsFor(web.services, actor, requestMeta(request));
      const org = await adminOrganizationOf(web.services, actor);
      return sendPage(reply, 200, <ConfirmRequirementPage user={user} csrfToken={web.csrf.tokenFor(request, reply)} organization={org.name} required={required} withoutTwoFactor={totals.withoutTwoFactor} people={totals.people} />);
    }
    await setTwoFactorRequirement(web.services, actor, required, requestMeta(request));
    return reply.redirect('/admin?notice=requirement_saved', 303);
  });

  app.post('/admin/remind-two-factor', async (request, reply) => {
    const user = signedInUser(request);
    const actor = await actorFor(web.services, user);
    const outcome = await remindPeopleWithoutTwoFactor(web.services, actor, formField(request, 'firm'), requestMeta(request));
    const notice = outcome.reminded > 0 ? 'reminders_sent' : outcome.skipped > 0 ? 'reminders_none_due' : 'reminders_nobody';
    const back = formText(request, 'back') === 'people' && typeof formField(request, 'firm') === 'string' ? `/admin/people?${new URLSearchParams({ firm: String(formField(request, 'firm')), two_factor: 'off', notice }).toString()}` : `/admin?notice=${notice}`;
    return reply.redirect(back, 303);
  });

  app.get('/admin/users/:id', async (request, reply) => {
    const user = signedInUser(request);
    return userPage(request, reply, user, (request.params as { id: string }).id, 200);
  });

  app.post('/admin/users/:id/reset-two-factor', async (request, reply) => {
    const user = signedInUser(request);
    const targetId = (request.params as { id: string }).id;
    const actor = await actorFor(web.services, user);
    const input = {
      targetUserId: targetId,
      adminPassword: formField(request, 'admin_password'),
      reason: formField(request, 'reason'),
      verification: formField(request, 'verification'),
      newMobile: formField(request, 'new_mobile'),
    };
    const refusal = await refusalOf(() => resetTwoFactorAsAdmin(web.services, actor, input, requestMeta(request)));
    // Out of reach or unknown: the shared 403/404 page, nothing about the target.
    if (refusal && isAccessRefusal(refusal)) throw refusal;
    if (refusal) {
      const values = {
        reason: formText(request, 'reason')?.slice(0, 500) ?? '',
        verification: formText(request, 'verification')?.slice(0, 500) ?? '',
        newMobile: formText(request, 'new_mobile')?.slice(0, 32) ?? '',
      };
      return userPage(request, reply, user, targetId, statusOf(refusal), { error: refusal.message, values });
    }
    return reply.redirect(`/admin/users/${encodeURIComponent(targetId)}?notice=two_factor_reset`, 303);
  });

  app.post('/admin/users/:id/unlock-code-step', async (request, reply) => {
    const user = signedInUser(request);
    const actor = await actorFor(web.services, user);
    const targetId = (request.params as { id: string }).id;
    const refusal = await refusalOf(() => unlockCodeStepAsAdmin(web.services, actor, targetId, requestMeta(request)));
    // Out of reach or unknown: the shared 403/404 page, nothing about the target.
    if (refusal && isAccessRefusal(refusal)) throw refusal;
    if (refusal) return userPage(request, reply, user, targetId, statusOf(refusal), { unlockError: refusal.message });
    return reply.redirect(`/admin/users/${encodeURIComponent(targetId)}?notice=code_step_unlocked`, 303);
  });

  app.post('/admin/users/:id/resend-invitation', async (request, reply) => {
    const user = signedInUser(request);
    const actor = await actorFor(web.services, user);
    const targetId = (request.params as { id: string }).id;
    const refusal = await refusalOf(() => resendInvitation(web.services, actor, targetId, requestMeta(request)));
    if (refusal && isAccessRefusal(refusal)) throw refusal;
    if (refusal) return userPage(request, reply, user, targetId, statusOf(refusal), { error: refusal.message });
    return reply.redirect(`/admin/users/${encodeURIComponent(targetId)}?notice=invitation_sent`, 303);
  });

  app.get('/admin/users/:id/activity.csv', async (request, reply) => {
    const user = signedInUser(request);
    const actor = await actorFor(web.services, user);
    const target = await findManagedUser(web.services, actor, (request.params as { id: string }).id, requestMeta(request));
    const nowMs = web.services.now();
    const fromText = queryText(request, 'from') || undefined;
    const toText = queryText(request, 'to') || undefined;
    const fromDay = parseDay(fromText);
    const toDay = parseDay(toText);
    // Refused on the person's page, never an empty file: a date that is not one, or a range backwards.
    const exportRefusal = (fromText !== undefined && fromDay === null) || (toText !== undefined && toDay === null) ? 'export_date_invalid' : fromDay !== null && toDay !== null && fromDay > toDay ? 'export_dates_backwards' : null;
    if (exportRefusal) return userPage(request, reply, user, target.id, 400, { exportError: errorMessage(exportRefusal) });
    const fromMs = fromDay ?? nowMs - 90 * DAY_IN_MS;
    const toMs = toDay === null ? nowMs + 1 : toDay + DAY_IN_MS;
    const filename = `activity-${target.email.replace(/[^a-z0-9.@-]/gi, '_')}.csv`;
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
    return reply.send(Readable.from(activityCsv(web.services, target.id, fromMs, toMs)));
  });
}
