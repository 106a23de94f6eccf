import { expect, it } from 'vitest';
import { formatSydneyTime } from '../../src/domain/time.js';

it('writes a moment in Sydney time, the hour first, with the day and the zone named', () => {
  // Daylight saving (AEDT, UTC+11) and standard time (AEST, UTC+10), and a pause that ends after midnight.
  expect(formatSydneyTime(Date.UTC(2025, 10, 4, 4, 42))).toBe('3:42 pm on Tue 4 Nov (Sydney time, AEDT)');
  expect(formatSydneyTime(Date.UTC(2025, 5, 4, 14, 2))).toBe('12:02 am on Thu 5 June (Sydney time, AEST)');
});
