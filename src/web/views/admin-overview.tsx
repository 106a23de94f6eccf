// The admin area's first tab: who is protected, firm by firm, and the last 30 days.
import { formatDayShort } from '../../domain/time.js';
import type { SignedInUser } from '../../services/sessions.js';
import type { OrgAdoption, Overview } from '../../services/overview.js';
import { AdoptionBar, AdoptionLegend, ChartPatterns, TrendChartSvg, TrendLegend, formatCount, percentOf, trendSummary } from './charts.js';
import { CsrfField, Notice, Page } from './layout.js';

/** Overview | People: the admin area's tabs. */
export function AdminTabs(props: { current: 'overview' | 'people' }) {
  return (
    <nav aria-label="Admin">
      <ul class="tabs">
        <li>
          <a href="/admin" aria-current={props.current === 'overview' ? 'page' : undefined}>
            Overview
          </a>
        </li>
        <li>
          <a href="/admin/people" aria-current={props.current === 'people' ? 'page' : undefined}>
            People
          </a>
        </li>
      </ul>
    </nav>
  );
}

const orgLabel = (org: OrgAdoption) => (org.isAggregator ? `${org.name} (its own staff)` : org.name);
const peopleLink = (org: OrgAdoption, twoFactor?: string) => `/admin/people?firm=${encodeURIComponent(org.id)}${twoFactor ? `&two_factor=${twoFactor}` : ''}`;

/** Least protected first: the firms an admin should call are at the top. */
function byShareProtected(a: OrgAdoption, b: OrgAdoption): number {
  const share = (o: OrgAdoption) => (o.people === 0 ? 2 : (o.people - o.withoutTwoFactor) / o.people);
  return share(a) - share(b) || a.name.localeCompare(b.name);
}

function adoptionSentence(org: OrgAdoption): string {
  const on = org.people - org.withoutTwoFactor;
  return `${formatCount(on)} of ${formatCount(org.people)} protected (${percentOf(on, org.people)}%)`;
}

function AdoptionBars(props: { organizations: OrgAdoption[] }) {
  const shown = props.organizations.filter((org) => org.people > 0).sort(byShareProtected);
  if (shown.length === 0) return <p>No one has chosen a password yet.</p>;
  return (
    <ul class="adoption">
      {shown.map((org) => (
        <li key={org.id}>
          <a href={peopleLink(org, org.withoutTwoFactor > 0 ? 'off' : undefined)} class="adoption-row">
            <span class="adoption-name">{orgLabel(org)}</span>
            <span class="adoption-figure">
              {adoptionSentence(org)}
              {org.withoutTwoFactor > 0 && <span class="visually-hidden">; show the {formatCount(org.withoutTwoFactor)} without two-factor authentication</span>}
            </span>
            <AdoptionBar org={org} />
          </a>
        </li>
      ))}
    </ul>
  );
}

function AdoptionTable(props: { organizations: OrgAdoption[]; totals: Overview['totals'] }) {
  const rows = [...props.organizations].sort(byShareProtected);
  return (
    <div class="table-wrap" tabindex={0} role="region" aria-labelledby="adoption-table-caption">
      <table class="numbers">
        <caption id="adoption-table-caption">
          In numbers: people by second factor. <span class="muted">Invited: not signed in yet (no password chosen).</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Firm</th>
            <th scope="col">People</th>
            <th scope="col">Not yet</th>
            <th scope="col">App</th>
            <th scope="col">Passkey</th>
            <th scope="col">SMS</th>
            <th scope="col">Invited</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((org) => (
            <tr key={org.id}>
              <th scope="row">
                <a href={peopleLink(org)}>{orgLabel(org)}</a>
              </th>
              <td>{formatCount(org.people)}</td>
              <td>{org.withoutTwoFactor > 0 ? <a href={peopleLink(org, 'off')}>{formatCount(org.withoutTwoFactor)}</a> : '0'}</td>
              <td>{formatCount(org.byMethod.totp)}</td>
              <td>{formatCount(org.byMethod.webauthn)}</td>
              <td>{formatCount(org.byMethod.sms)}</td>
              <td>{formatCount(org.awaitingPassword)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Everyone</th>
            <td>{formatCount(props.totals.people)}</td>
            <td>{formatCount(props.totals.withoutTwoFactor)}</td>
            <td>{formatCount(props.totals.byMethod.totp)}</td>
            <td>{formatCount(props.totals.byMethod.webauthn)}</td>
            <td>{formatCount(props.totals.byMethod.sms)}</td>
            <td>{formatCount(props.totals.awaitingPassword)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function RemindForm(props: { overview: Overview; canRemind: boolean; csrfToken: string }) {
  const without = props.overview.totals.withoutTwoFactor;
  if (without === 0) return <p>Everyone who has signed in has two-factor authentication on.</p>;
  const skipped = props.overview.remindedThisWeek;
  const toRemind = without - skipped;
  if (!props.canRemind) return <p>An administrator of your aggregator can email a reminder to the people without two-factor authentication.</p>;
  return (
    <form method="post" action="/admin/remind-two-factor" class="remind">
      <CsrfField token={props.csrfToken} />
      <p id="remind-hint">
        {toRemind === 0
          ? `All ${formatCount(without)} people without two-factor authentication were reminded in the last 7 days. A person is reminded at most once a week.`
          : `Emails the ${formatCount(toRemind)} ${toRemind === 1 ? 'person' : 'people'} without two-factor authentication, with the steps to turn it on.${skipped > 0 ? ` ${formatCount(skipped)} reminded in the last 7 days ${skipped === 1 ? 'is' : 'are'} skipped.` : ''}`}
      </p>
      <button type="submit" class="secondary" aria-describedby="remind-hint" disabled={toRemind === 0}>
        Remind people without 2FA
      </button>
    </form>
  );
}

function TrendTable(props: { id: string; title: string; overview: Overview; series: Overview['trends'][number]['series'] }) {
  return (
    <details class="numbers">
      <summary>The numbers, day by day</summary>
      <div class="table-wrap" tabindex={0} role="region" aria-label={`${props.title}, day by day`}>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {props.series.map((s) => (
                <th key={s.line.key} scope="col">
                  {s.line.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...props.overview.days.keys()].reverse().map((i) => (
              <tr key={props.overview.days[i]}>
                <th scope="row">{i === props.overview.days.length - 1 ? 'Today' : formatDayShort(props.overview.days[i]!)}</th>
                {props.series.map((s) => (
                  <td key={s.line.key}>{formatCount(s.daily[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Trends(props: { overview: Overview }) {
  return (
    <div class="trends">
      {props.overview.trends.map(({ chart, series }) => {
        const id = `trend-${chart.key}`;
        const summaries = series.map((s) => (series.length > 1 ? `${s.line.label}: ${trendSummary(s, props.overview.days)}` : trendSummary(s, props.overview.days)));
        return (
          <figure key={chart.key} class="trend" aria-labelledby={`${id}-heading`}>
            <h3 id={`${id}-heading`}>{chart.title}</h3>
            {summaries.map((text) => (
              <p key={text} class="trend-summary">
                {text}
              </p>
            ))}
            <TrendLegend series={series} />
            <TrendChartSvg id={id} title={`${chart.title}, each day of the last ${props.overview.days.length}`} description={`Counts ${chart.counts}. ${summaries.join(' ')}`} series={series} days={props.overview.days} />
            <TrendTable id={id} title={chart.title} overview={props.overview} series={series} />
          </figure>
        );
      })}
    </div>
  );
}

export function AdminOverviewPage(props: {
  user: SignedInUser;
  csrfToken: string;
  organization: string;
  isAggregatorAdmin: boolean;
  requireTwoFactor: boolean;
  overview: Overview;
  notice?: string | undefined;
}) {
  const { overview } = props;
  const totals = overview.totals;
  const on = totals.people - totals.withoutTwoFactor;
  return (
    <Page title="Overview · Admin" signedInAs={props.user.email} csrfToken={props.csrfToken} full>
      <h1>Admin: {props.organization}</h1>
      <AdminTabs current="overview" />
      <Notice message={props.notice} />
      <ChartPatterns />
      <section aria-labelledby="adoption-heading">
        <h2 id="adoption-heading">Two-factor authentication, firm by firm</h2>
        <p class="lead">
          <strong>
            {formatCount(on)} of {formatCount(totals.people)}
          </strong>{' '}
          people ({percentOf(on, totals.people)}%) have two-factor authentication on; {formatCount(totals.withoutTwoFactor)} have not turned it on yet.
          {totals.awaitingPassword > 0 && ` ${formatCount(totals.awaitingPassword)} invited ${totals.awaitingPassword === 1 ? 'person has' : 'people have'} not chosen a password yet.`}
        </p>
        <RemindForm overview={overview} canRemind={props.isAggregatorAdmin} csrfToken={props.csrfToken} />
        <div class="adoption-layout">
          <div>
            <h3 class="visually-hidden">Bars, least protected first</h3>
            <AdoptionLegend />
            <AdoptionBars organizations={overview.organizations} />
          </div>
          <AdoptionTable organizations={overview.organizations} totals={totals} />
        </div>
        {props.isAggregatorAdmin && (
          <form method="post" action="/admin/require-two-factor" class="section">
            <CsrfField token={props.csrfToken} />
            <p>
              Two-factor authentication is <strong>{props.requireTwoFactor ? 'required' : 'not required'}</strong> for everyone under {props.organization}.
            </p>
            <input type="hidden" name="required" value={props.requireTwoFactor ? 'no' : 'yes'} />
            <button type="submit" class="secondary">
              {props.requireTwoFactor ? 'Stop requiring two-factor authentication' : 'Require two-factor authentication for everyone'}
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="trends-heading" class="section">
        <h2 id="trends-heading">The last {overview.days.length} days</h2>
        <p class="muted">Days in Sydney time; today counts until now. Each chart's numbers are under it.</p>
        <Trends overview={overview} />
      </section>
    </Page>
  );
}

/** "Require two-factor authentication for everyone" (or stop): says whom it affects before it does. */
export function ConfirmRequirementPage(props: { user: SignedInUser; csrfToken: string; organization: string; required: boolean; withoutTwoFactor: number; people: number }) {
  const title = props.required ? 'Require two-factor authentication for everyone?' : 'Stop requiring two-factor authentication?';
  const count = `${formatCount(props.withoutTwoFactor)} of the ${formatCount(props.people)} ${props.people === 1 ? 'person' : 'people'} under ${props.organization}`;
  return (
    <Page title={title} signedInAs={props.user.email} csrfToken={props.csrfToken} wide>
      <h1>{title}</h1>
      {props.required ? (
        <>
          <p>
            {count} {props.withoutTwoFactor === 1 ? 'has' : 'have'} not turned on two-factor authentication. At their next sign-in they will be taken to{' '}
            <strong>Protect my account</strong> straight after their password, and can use nothing else until they have set it up. Anyone signed in now is taken there
            at their next click.
          </p>
          <p class="muted">Consider Remind people without 2FA first, so no one is surprised.</p>
        </>
      ) : (
        <p>
          Everyone will again be able to use Twofold with a password alone. {count} {props.withoutTwoFactor === 1 ? 'has' : 'have'} not turned on two-factor
          authentication.
        </p>
      )}
      <form method="post" action="/admin/require-two-factor" class="actions">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="required" value={props.required ? 'yes' : 'no'} />
        <input type="hidden" name="confirmed" value="yes" />
        <button type="submit" class={props.required ? undefined : 'danger'}>
          {props.required ? 'Require it now' : 'Stop requiring it'}
        </button>
        <a href="/admin">Cancel</a>
      </form>
    </Page>
  );
}
