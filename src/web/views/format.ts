/** Times as Australian readers expect them, in Sydney time (the CRM's home). */
export function formatDate(ms: number): string {
  return new Date(ms).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Australia/Sydney' });
}
