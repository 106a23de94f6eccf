// Charts as server-rendered SVG: no script, nothing the CSP must allow. Colours come
// from classes in app.css (so forced-colours mode can replace them), every series has a
// shape or pattern besides its colour, and every chart names what it shows in words.
import type { TwoFactorMethod } from '../../domain/second-factors.js';
import { formatDayShort } from '../../domain/time.js';
import type { OrgAdoption, TrendSeries } from '../../services/overview.js';

export const formatCount = (n: number) => n.toLocaleString('en-AU');

/**
 * Whole percent, rounded to nearest ("2 of 7" is 29%), except that 100% means everyone
 * and 0% means no one: "99 of 100.4" never reads as done, "1 of 300" never as none.
 */
export function percentOf(part: number, whole: number): number {
  if (whole === 0) return 0;
  const rounded = Math.round((part / whole) * 100);
  if (rounded === 100 && part < whole) return 99;
  if (rounded === 0 && part > 0) return 1;
  return rounded;
}

export const METHOD_LABELS: Record<TwoFactorMethod, string> = { totp: 'Authenticator app', sms: 'SMS', webauthn: 'Passkey or security key' };
const METHOD_ORDER: TwoFactorMethod[] = ['totp', 'webauthn', 'sms'];

/** One organisation's people as a bar: each method, then those without 2FA (hatched). */
export function AdoptionBar(props: { org: OrgAdoption }) {
  const { org } = props;
  const segments = [
    ...METHOD_ORDER.map((method) => ({ key: method, count: org.byMethod[method] })),
    { key: 'none', count: org.withoutTwoFactor },
  ].filter((s) => s.count > 0);
  let x = 0;
  return (
    <svg class="adoption-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect class="bar-track" x="0" y="0" width="100" height="10" />
      {segments.map((segment) => {
        const width = (segment.count / org.people) * 100;
        const rect = <rect key={segment.key} class={`seg seg-${segment.key}`} x={x.toFixed(3)} y="0" width={width.toFixed(3)} height="10" />;
        x += width;
        return rect;
      })}
    </svg>
  );
}

/** The legend of the adoption bars, as HTML (it wraps on a phone). */
export function AdoptionLegend() {
  return (
    <ul class="legend" aria-hidden="true">
      {METHOD_ORDER.map((method) => (
        <li key={method}>
          <svg viewBox="0 0 10 10" class="swatch" focusable="false">
            <rect class={`seg seg-${method}`} width="10" height="10" />
          </svg>
          {METHOD_LABELS[method]}
        </li>
      ))}
      <li>
        <svg viewBox="0 0 10 10" class="swatch" focusable="false">
          <rect class="seg seg-none" width="10" height="10" />
        </svg>
        Not turned on yet
      </li>
    </ul>
  );
}

/** The hatching of "not turned on yet": one definition per page, used by every bar. */
export function ChartPatterns() {
  return (
    <svg class="defs" aria-hidden="true" focusable="false" width="0" height="0">
      <defs>
        <pattern id="hatch" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">
          <rect class="hatch-back" width="4" height="4" />
          <line class="hatch-line" x1="0" y1="0" x2="0" y2="4" />
        </pattern>
        {/* In forced colours every fill is one colour: these keep the methods apart there. */}
        <pattern id="dots" patternUnits="userSpaceOnUse" width="3" height="3">
          <rect class="pattern-back" width="3" height="3" />
          <circle class="pattern-mark" cx="1.5" cy="1.5" r="0.9" />
        </pattern>
        <pattern id="grid" patternUnits="userSpaceOnUse" width="3" height="3">
          <rect class="pattern-back" width="3" height="3" />
          <path class="pattern-line" d="M0 1.5H3M1.5 0V3" />
        </pattern>
      </defs>
    </svg>
  );
}

/** A round top for the y axis: 1, 2 or 5 times a power of ten, at least 4. */
export function axisTop(max: number): number {
  if (max <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const W = 320;
const H = 130;
const LEFT = 34;
const RIGHT = 6;
const TOP = 10;
const BOTTOM = 20;
const LINE_DASHES = ['', '5 3', '1.5 2.5'];

/** In words, for the chart's description and for people who read rather than look. */
export function trendSummary(series: TrendSeries, days: string[]): string {
  const today = series.daily[series.daily.length - 1] ?? 0;
  if (series.total === 0) return `None in the last ${days.length} days.`;
  let busiest = 0;
  series.daily.forEach((count, i) => {
    if (count > (series.daily[busiest] ?? 0)) busiest = i;
  });
  return `${formatCount(series.total)} in the last ${days.length} days; ${formatCount(today)} today so far; the most on ${formatDayShort(days[busiest]!)} (${formatCount(series.daily[busiest]!)}).`;
}

/**
 * Thirty days as columns (the first series) with any further series as lines of
 * different dashes and markers. Days run left to right; today is the last column.
 */
export function TrendChartSvg(props: { id: string; title: string; description: string; series: TrendSeries[]; days: string[] }) {
  const { series, days } = props;
  const max = axisTop(Math.max(0, ...series.flatMap((s) => s.daily)));
  const plotWidth = W - LEFT - RIGHT;
  const plotHeight = H - TOP - BOTTOM;
  const step = plotWidth / days.length;
  const y = (value: number) => TOP + plotHeight - (value / max) * plotHeight;
  const [columns, ...lines] = series;
  return (
    <svg class="trend-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} focusable="false">
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.description}</desc>
      {[0, max / 2, max].map((tick) => (
        <g key={tick}>
          <line class="grid" x1={LEFT} x2={W - RIGHT} y1={y(tick)} y2={y(tick)} />
          <text class="axis" x={LEFT - 4} y={y(tick) + 3.5} text-anchor="end">
            {formatCount(tick)}
          </text>
        </g>
      ))}
      {columns?.daily.map((count, i) =>
        count > 0 ? <rect key={i} class={i === days.length - 1 ? 'col col-today' : 'col'} x={(LEFT + i * step + step * 0.15).toFixed(2)} y={y(count).toFixed(2)} width={(step * 0.7).toFixed(2)} height={(y(0) - y(count)).toFixed(2)} /> : null,
      )}
      {lines.map((line, k) => {
        // A line along zero all month would only hide the axis; the summary says "None".
        if (line.total === 0) return null;
        const points = line.daily.map((count, i) => `${(LEFT + (i + 0.5) * step).toFixed(2)},${y(count).toFixed(2)}`);
        return (
          <g key={line.line.key} class={`series series-${k + 1}`}>
            <polyline class="line" points={points.join(' ')} stroke-dasharray={LINE_DASHES[(k + 1) % LINE_DASHES.length]} />
            {line.daily.map((count, i) =>
              count > 0 ? (
                k === 0 ? (
                  <circle key={i} class="marker" cx={(LEFT + (i + 0.5) * step).toFixed(2)} cy={y(count).toFixed(2)} r="2.2" />
                ) : (
                  <rect key={i} class="marker" x={(LEFT + (i + 0.5) * step - 2).toFixed(2)} y={(y(count) - 2).toFixed(2)} width="4" height="4" />
                )
              ) : null,
            )}
          </g>
        );
      })}
      <line class="baseline" x1={LEFT} x2={W - RIGHT} y1={y(0)} y2={y(0)} />
      <text class="axis" x={LEFT} y={H - 5}>
        {formatDayShort(days[0]!)}
      </text>
      <text class="axis" x={W - RIGHT} y={H - 5} text-anchor="end">
        Today
      </text>
    </svg>
  );
}

/** How each series of a chart is drawn, for its legend (HTML, so it wraps). */
export function TrendLegend(props: { series: TrendSeries[] }) {
  if (props.series.length < 2) return null;
  return (
    <ul class="legend" aria-hidden="true">
      {props.series.map((s, k) => (
        <li key={s.line.key}>
          <svg viewBox="0 0 16 10" class="swatch wide" focusable="false">
            {k === 0 ? (
              <rect class="col" x="3" y="1" width="10" height="9" />
            ) : (
              <g class={`series series-${k}`}>
                <line class="line" x1="0" y1="5" x2="16" y2="5" stroke-dasharray={LINE_DASHES[k % LINE_DASHES.length]} />
                {k === 1 ? <circle class="marker" cx="8" cy="5" r="2.2" /> : <rect class="marker" x="6" y="3" width="4" height="4" />}
              </g>
            )}
          </svg>
          {s.line.label}
        </li>
      ))}
    </ul>
  );
}
