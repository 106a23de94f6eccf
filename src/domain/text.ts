// Free text people type (a reason, a search): kept as typed, minus what no text needs.
// Control characters are dropped: NUL in particular, which PostgreSQL refuses in text
// (a 500 where the same input works on SQLite), and which no reason or search contains.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The text trimmed, without control characters (tabs and line breaks stay), at most `maxLength` long; '' for a non-string. */
export function cleanFreeText(input: unknown, maxLength: number): string {
  if (typeof input !== 'string') return '';
  return input.replace(CONTROL_CHARACTERS, '').trim().slice(0, maxLength);
}
