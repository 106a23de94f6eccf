import { formatSydneyTime } from '../../domain/time.js';

/** Times as Australian readers expect them, in Sydney time (the CRM's home). */
export function formatDate(ms: number): string {
  const zone = SYDNEY_ZONE.formatToParts(new Date(ms)).find((part) => part.type === 'timeZoneName')?.value ?? 'Sydney time';
  // "30 Nov 2026, 8:35 pm AEDT": brokers outside New South Wales read the same pages.
  return `${new Date(ms).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Australia/Sydney' })} ${zone}`;
}

const SYDNEY_ZONE = new Intl.DateTimeFormat('en-AU', { timeZone: 'Australia/Sydney', timeZoneName: 'short' });

/** A moment a person acts on (a pause's end), with the hour first and the zone named: "3:42 pm on Tue 4 Nov (Sydney time, AEDT)". */
export const formatTimeWithZone = formatSydneyTime;
