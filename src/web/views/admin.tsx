import type { ActivityItem } from '../../services/activity.js';
import type { SignedInUser } from '../../services/sessions.js';
import type { ManagedUserRow } from '../../services/admin.js';
import { maskMobileForAdmin } from '../../domain/phone.js';
import { ActivityList } from './activity.js';
import { formatDate, formatTimeWithZone } from './format.js';
import { CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';
import { AdminTabs } from './admin-overview.js';

function twoFactorText(row: ManagedUserRow): string {
  if (row.two_factor_method === 'totp') return 'On (app)';
  if (row.two_factor_method === 'sms') return 'On (SMS)';
  if (row.two_factor_method === 'webauthn') return 'On (passkey)';
  return 'Off';
}

const isLocked = (row: ManagedUserRow, nowMs: number): row is ManagedUserRow & { code_locked_until: number } => row.code_locked_until !== null && row.code_locked_until > nowMs;

function lockedText(row: ManagedUserRow, nowMs: number): string {
  return isLocked(row, nowMs) ? `Code entry paused until ${formatTimeWithZone(row.code_locked_until)}` : 'No';
}

/** Unlock, for an admin who may, while the pause runs; a firm admin is told who can. */
function UnlockSection(props: { target: ManagedUserRow; nowMs: number; canUnlock: boolean; csrfToken: string; error: string | undefined }) {
  const t = props.target;
  if (!props.error && !isLocked(t, props.nowMs)) return null;
  if (!props.canUnlock) return <p class="section">An administrator of your aggregator can unlock code entry for {t.name}.</p>;
  return (
    <section class="section" aria-labelledby="unlock-heading">
      <h2 id="unlock-heading">Unlock code entry</h2>
      <ErrorSummary message={props.error} focus />
      {isLocked(t, props.nowMs) && (
        <form method="post" action={`/admin/users/${t.id}/unlock-code-step`}>
          <CsrfField token={props.csrfToken} />
          <p id="unlock-hint">
            Too many wrong two-factor codes were entered for {t.name}, so code entry is paused until {formatTimeWithZone(t.code_locked_until)}. Unlock it only if you have
            spoken to them and they made the mistakes: otherwise someone who knows their password may be guessing. They will be told by email.
          </p>
          <button type="submit" class="secondary" aria-describedby="unlock-hint">
            Unlock
          </button>
        </form>
      )}
    </section>
  );
}

const TWO_FACTOR_FILTER_LABELS: Record<string, string> = { off: 'Not turned on yet', totp: 'On (app)', sms: 'On (SMS)', webauthn: 'On (passkey)', invited: 'Invited, no password yet' };
const STATUS_FILTER_LABELS: Record<string, string> = { active: 'Active', deactivated: 'Deactivated' };

const ROLE_LABELS: Record<ManagedUserRow['role'], string> = { member: 'Member', admin: 'Administrator' };

function statusText(row: ManagedUserRow): string {
  return row.deactivated_at === null ? 'Active' : `Deactivated ${formatDate(row.deactivated_at)}: cannot sign in`;
}

/** The People tab: everyone in the admin's reach, searched and filtered by firm and by two-factor. */
export function AdminListPage(props: {
  user: SignedInUser;
  csrfToken: string;
  organization: string;
  firms: Array<{ id: string; name: string; parent_id: string | null }>;
  filter: { firmId?: string; twoFactor?: string; status?: string };
  rows: ManagedUserRow[];
  limit: number;
  search: string;
  nowMs: number;
  canRemind: boolean;
  canInvite: boolean;
  notice?: string | undefined;
}) {
  const firm = props.firms.find((f) => f.id === props.filter.firmId);
  const filtered = props.search !== '' || props.filter.firmId !== undefined || props.filter.twoFactor !== undefined || props.filter.status !== undefined;
  return (
    <Page title="People · Admin" signedInAs={props.user.email} csrfToken={props.csrfToken} full>
      <h1>Admin: {props.organization}</h1>
      <AdminTabs current="people" />
      <Notice message={props.notice} />
      {props.canInvite && (
        <p>
          <a href="/admin/people/invite" class="button">
            Invite a person
          </a>
        </p>
      )}
      <form method="get" action="/admin/people" class="search" role="search" aria-label="People">
        <Field name="q" label="Search by name or email" type="text" value={props.search} required={false} maxLength={100} />
        {props.firms.length > 1 && (
          <div class="field field-select">
            <label for="field-firm">Firm</label>
            <select id="field-firm" name="firm">
              <option value="">All firms</option>
              {props.firms.map((firm) => (
                <option key={firm.id} value={firm.id} selected={firm.id === props.filter.firmId}>
                  {firm.parent_id === null ? `${firm.name} (its own staff)` : firm.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field field-select">
          <label for="field-two-factor">Two-factor</label>
          <select id="field-two-factor" name="two_factor">
            <option value="">Anyone</option>
            {Object.entries(TWO_FACTOR_FILTER_LABELS).map(([value, label]) => (
              <option key={value} value={value} selected={value === props.filter.twoFactor}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-select">
          <label for="field-status">Status</label>
          <select id="field-status" name="status">
            <option value="">Anyone</option>
            {Object.entries(STATUS_FILTER_LABELS).map(([value, label]) => (
              <option key={value} value={value} selected={value === props.filter.status}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
        {filtered && (
          <a href="/admin/people" class="button secondary">
            Show everyone
          </a>
        )}
      </form>
      {firm && props.filter.twoFactor === 'off' && props.rows.length > 0 && props.canRemind && (
        <form method="post" action="/admin/remind-two-factor" class="remind">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="firm" value={firm.id} />
          <input type="hidden" name="back" value="people" />
          <button type="submit" class="secondary" aria-describedby="remind-firm-hint">
            Remind people without 2FA
          </button>
          <p class="hint" id="remind-firm-hint">
            Emails the people of {firm.name} listed here, with the steps to turn it on. Anyone reminded in the last 7 days is skipped.
          </p>
        </form>
      )}
      {props.rows.length === 0 ? (
        <p>No one matches.</p>
      ) : (
        <>
          {props.rows.length >= props.limit && <p class="muted">Showing the first {props.limit}. Search, or choose a firm, to see others.</p>}
          <div class="table-wrap" tabindex={0} role="region" aria-label="People">
            <table class="people">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Firm</th>
                  <th scope="col">Two-factor</th>
                  <th scope="col">Mobile</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Remembered devices</th>
                  <th scope="col">Locked out</th>
                </tr>
              </thead>
              <tbody>
                {props.rows.map((row) => (
                  <tr key={row.id}>
                    <td class="person">
                      <a href={`/admin/users/${row.id}`}>{row.name}</a>
                      {row.deactivated_at !== null && <span class="tag tag-off">Deactivated</span>}
                      <br />
                      <span class="muted">{row.email}</span>
                    </td>
                    <td data-label="Firm">{row.org_name}</td>
                    <td data-label="Two-factor">{row.awaiting_password ? 'Invited, no password yet' : twoFactorText(row)}</td>
                    <td data-label="Mobile">{row.mobile ? maskMobileForAdmin(row.mobile) : 'None'}</td>
                    <td data-label="Last sign-in">{row.last_sign_in_at ? formatDate(row.last_sign_in_at) : 'Never'}</td>
                    <td data-label="Remembered devices">{row.remembered_devices}</td>
                    <td data-label="Locked out">{lockedText(row, props.nowMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Page>
  );
}

export function AdminUserPage(props: {
  user: SignedInUser;
  csrfToken: string;
  target: ManagedUserRow;
  canReset: boolean;
  canUnlock: boolean;
  canResendInvitation: boolean;
  /** may change the person's role and deactivate or reactivate them */
  canChangeStanding: boolean;
  awaitingPassword: boolean;
  standingError?: string | undefined;
  activity: ActivityItem[];
  nextCursor: string | null;
  nowMs: number;
  notice?: string | undefined;
  error?: string | undefined;
  unlockError?: string | undefined;
  exportError?: string | undefined;
  values?: { reason?: string; verification?: string; newMobile?: string };
}) {
  const t = props.target;
  return (
    <Page title={`${t.name} · Admin`} signedInAs={props.user.email} csrfToken={props.csrfToken} wide>
      <p>
        <a href="/admin/people">Back to everyone</a>
      </p>
      <h1>{t.name}</h1>
      <Notice message={props.notice} />
      <dl class="facts">
        <dt>Email</dt>
        <dd>{t.email}</dd>
        <dt>Firm</dt>
        <dd>{t.org_name}</dd>
        <dt>Role</dt>
        <dd>{ROLE_LABELS[t.role]}</dd>
        <dt>Status</dt>
        <dd class={t.deactivated_at === null ? undefined : 'status-off'}>{statusText(t)}</dd>
        <dt>Two-factor</dt>
        <dd>{twoFactorText(t)}</dd>
        {t.two_factor_method !== null && (
          <>
            <dt>Recovery codes</dt>
            <dd>{t.recovery_codes_left === 0 ? 'None left' : `${t.recovery_codes_left} left`}</dd>
          </>
        )}
        <dt>Mobile</dt>
        <dd>{t.mobile ? maskMobileForAdmin(t.mobile) : 'None'}</dd>
        <dt>Last sign-in</dt>
        <dd>{t.last_sign_in_at ? formatDate(t.last_sign_in_at) : 'Never'}</dd>
        <dt>Remembered devices</dt>
        <dd>{t.remembered_devices}</dd>
        <dt>Locked out</dt>
        <dd>{lockedText(t, props.nowMs)}</dd>
      </dl>

      <UnlockSection target={t} nowMs={props.nowMs} canUnlock={props.canUnlock} csrfToken={props.csrfToken} error={props.unlockError} />

      {props.awaitingPassword && props.canResendInvitation && t.deactivated_at === null && (
        <form method="post" action={`/admin/users/${t.id}/resend-invitation`} class="section">
          <CsrfField token={props.csrfToken} />
          <p>{t.name} has not chosen a password yet.</p>
          <button type="submit" class="secondary">
            Resend invitation
          </button>
        </form>
      )}
      {props.awaitingPassword && !props.canResendInvitation && (
        <p class="section">{t.name} has not chosen a password yet. An administrator of your aggregator can resend the invitation.</p>
      )}

      {props.canChangeStanding && <StandingSection target={t} csrfToken={props.csrfToken} error={props.standingError} />}

      {/* Only where there is something to reset: a second factor, or a remembered device. */}
      {props.canReset && (t.two_factor_method !== null || t.remembered_devices > 0) && (
        <section class="section" aria-labelledby="reset-heading">
          <h2 id="reset-heading">Reset two-factor authentication</h2>
          <p>
            For someone who has lost both their phone and their mobile number. It removes their two-factor authentication, forgets their remembered devices and signs
            them out everywhere; they set it up again at their next sign-in. Only do this after you have verified who they are: this is how accounts are taken over.
          </p>
          <ErrorSummary message={props.error} focus />
          <form method="post" action={`/admin/users/${t.id}/reset-two-factor`} novalidate>
            <CsrfField token={props.csrfToken} />
            <div class="field">
              <label for="field-reason">Reason for the reset</label>
              <textarea id="field-reason" name="reason" maxLength={500} required>
                {props.values?.reason ?? ''}
              </textarea>
            </div>
            <div class="field">
              <label for="field-verification">How you verified this person</label>
              <p class="hint" id="field-verification-hint">
                For example: called them back on the office number we hold for their firm, and they confirmed their licence number.
              </p>
              <textarea id="field-verification" name="verification" maxLength={500} required aria-describedby="field-verification-hint">
                {props.values?.verification ?? ''}
              </textarea>
            </div>
            <Field name="new_mobile" label="New mobile number (if their old number is gone)" type="tel" required={false} maxLength={32} value={props.values?.newMobile} hint="Optional. An Australian mobile, like 0412 345 678 (spaces are fine)." />
            <Field name="admin_password" label="Your own password, to confirm" type="password" autocomplete="current-password" maxLength={1024} />
            <button type="submit" class="danger">
              Reset two-factor authentication
            </button>
          </form>
        </section>
      )}

      <section class="section" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Recent security activity</h2>
        <ActivityList items={props.activity} showDetail />
        {props.nextCursor && (
          <p>
            <a href={`/admin/users/${t.id}?before=${props.nextCursor}`}>Older activity</a>
          </p>
        )}
        <ErrorSummary message={props.exportError} id="error-export" />
        <form method="get" action={`/admin/users/${t.id}/activity.csv`} class="search">
          <Field name="from" label="From (date)" type="date" required={false} error={props.exportError ? 'error-export' : undefined} />
          <Field name="to" label="To (date, inclusive)" type="date" required={false} />
          <button type="submit" class="secondary">
            Export as CSV
          </button>
        </form>
      </section>
    </Page>
  );
}

/** Role and deactivation: for an aggregator admin, on someone else of their aggregator. */
function StandingSection(props: { target: ManagedUserRow; csrfToken: string; error: string | undefined }) {
  const t = props.target;
  const otherRole = t.role === 'admin' ? 'member' : 'admin';
  return (
    <section class="section" aria-labelledby="standing-heading">
      <h2 id="standing-heading">Role and access</h2>
      <ErrorSummary message={props.error} focus />
      <form method="post" action={`/admin/users/${t.id}/role`}>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="role" value={otherRole} />
        <p id="role-hint">
          {t.name} is {t.role === 'admin' ? 'an administrator' : 'a member'}.{' '}
          {otherRole === 'admin'
            ? `As an administrator of ${t.org_name} they would see its people${t.org_parent_id === null ? ', and act on everyone under the aggregator' : ''}.`
            : 'As a member they will no longer see the admin area.'}{' '}
          They will be told by email.
        </p>
        <button type="submit" class="secondary" aria-describedby="role-hint">
          {otherRole === 'admin' ? 'Make administrator' : 'Make member'}
        </button>
      </form>
      {t.deactivated_at === null ? (
        <form method="post" action={`/admin/users/${t.id}/deactivate`} class="section">
          <CsrfField token={props.csrfToken} />
          <p id="deactivate-hint">
            Deactivating signs {t.name} out everywhere at once (apps too), forgets their remembered devices and stops any emailed link from working. They cannot sign in
            until someone reactivates them. Their activity is kept, and they will be told by email.
          </p>
          <button type="submit" class="danger" aria-describedby="deactivate-hint">
            Deactivate {t.name}
          </button>
        </form>
      ) : (
        <form method="post" action={`/admin/users/${t.id}/reactivate`} class="section">
          <CsrfField token={props.csrfToken} />
          <p id="reactivate-hint">
            Reactivating lets {t.name} sign in again with their password and two-factor authentication.{t.awaiting_password ? ' They never chose a password: send them a new invitation after reactivating.' : ''} They will be told by email.
          </p>
          <button type="submit" class="secondary" aria-describedby="reactivate-hint">
            Reactivate {t.name}
          </button>
        </form>
      )}
    </section>
  );
}

export interface InviteValues {
  name?: string;
  email?: string;
  firmId?: string;
  role?: string;
  mobile?: string;
}

/** Invite a person: an aggregator admin, into their aggregator or one of its firms. */
export function InvitePage(props: {
  user: SignedInUser;
  csrfToken: string;
  organization: string;
  firms: Array<{ id: string; name: string; parent_id: string | null }>;
  values: InviteValues;
  error?: string | undefined;
}) {
  const v = props.values;
  return (
    <Page title="Invite a person · Admin" signedInAs={props.user.email} csrfToken={props.csrfToken}>
      <p>
        <a href="/admin/people">Back to everyone</a>
      </p>
      <h1>Invite a person</h1>
      <p>They get an email from {props.organization} with a link to choose their password, valid for 7 days.</p>
      <ErrorSummary message={props.error} focus />
      <form method="post" action="/admin/people/invite" novalidate>
        <CsrfField token={props.csrfToken} />
        <Field name="name" label="Full name" autocomplete="off" maxLength={100} value={v.name} />
        <Field name="email" label="Email" type="email" autocomplete="off" maxLength={254} value={v.email} hint="They sign in with it, and the invitation goes to it." />
        <div class="field">
          <label for="field-firm">Firm</label>
          <select id="field-firm" name="firm" required>
            <option value="">Choose a firm</option>
            {props.firms.map((firm) => (
              <option key={firm.id} value={firm.id} selected={firm.id === v.firmId}>
                {firm.parent_id === null ? `${firm.name} (its own staff)` : firm.name}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="plain">
          <legend>Role</legend>
          <div class="choice">
            <input type="radio" id="role-member" name="role" value="member" checked={v.role !== 'admin'} /> <label for="role-member">Member</label>
            <p>Signs in; sees only their own account.</p>
          </div>
          <div class="choice">
            <input type="radio" id="role-admin" name="role" value="admin" checked={v.role === 'admin'} /> <label for="role-admin">Administrator</label>
            <p>Also sees the people of their firm; an administrator of the aggregator itself acts on everyone under it.</p>
          </div>
        </fieldset>
        <Field name="mobile" label="Mobile number (optional)" type="tel" autocomplete="off" required={false} maxLength={32} value={v.mobile} hint="An Australian mobile, like 0412 345 678 (spaces are fine). For codes by text message." />
        <button type="submit">Send the invitation</button>
      </form>
    </Page>
  );
}
