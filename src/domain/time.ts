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
