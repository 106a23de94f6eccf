import { formatSydneyTime } from '../../domain/time.js';

/** Times as Australian readers expect them, in Sydney time (the CRM's home). */
export function formatDate(ms: number): string {
  return new Date(ms).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Australia/Sydney' });
}

/** A moment a person acts on (a pause's end), with the hour first and the zone named: "3:42 pm on Tue 4 Nov (Sydney time, AEDT)". */
export const formatTimeWithZone = formatSydneyTime;
