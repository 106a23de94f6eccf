// How a moment is written for a person: in Sydney time (the CRM's home), always with
// the zone's name, since brokers outside New South Wales read the same pages.

const SYDNEY_PARTS = new Intl.DateTimeFormat('en-AU', {
  timeZone: 'Australia/Sydney',
  timeZoneName: 'short',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});

/**
 * "3:42 pm on Tue 4 Nov (Sydney time, AEDT)": the hour first (it is what people act
 * on), the day because a pause can last into tomorrow, and the zone by name and
 * abbreviation so AEST and AEDT are never confused.
 */
export function formatSydneyTime(ms: number): string {
  const parts = Object.fromEntries(SYDNEY_PARTS.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${parts.hour}:${parts.minute} ${parts.dayPeriod} on ${parts.weekday} ${parts.day} ${parts.month} (Sydney time, ${parts.timeZoneName})`;
}

// ---------- Sydney days: the Overview's trends count by the day people there live ----------

const SYDNEY_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney', year: 'numeric', month: '2-digit', day: '2-digit' });
const SYDNEY_OFFSET = new Intl.DateTimeFormat('en-US', { timeZone: 'Australia/Sydney', timeZoneName: 'longOffset' });
const DAY_IN_MS = 86_400_000;

/** "2026-11-30": the Sydney calendar day a moment falls on. */
export function sydneyDayOf(ms: number): string {
  return SYDNEY_DATE.format(new Date(ms));
}

/** Sydney's offset from UTC at a moment, in ms ("GMT+11:00" → 39,600,000). */
function sydneyOffsetInMs(ms: number): number {
  const name = SYDNEY_OFFSET.formatToParts(new Date(ms)).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000);
}

/**
 * The moment a Sydney day starts. Sydney changes its clocks at 2 or 3 am, never at
 * midnight, so the offset just after midnight is the day's starting offset; a second
 * pass settles a first guess taken on the other side of a change.
 */
export function startOfSydneyDay(day: string): number {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  let start = utcMidnight - sydneyOffsetInMs(utcMidnight);
  start = utcMidnight - sydneyOffsetInMs(start);
  return start;
}

/** The day `count` days after (or before, when negative) `day`. */
export function addDays(day: string, count: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + count * DAY_IN_MS).toISOString().slice(0, 10);
}

/** "Mon 30 Nov" for a chart's axis and its table. */
export function formatDayShort(day: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString('en-AU', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });
}
