// The admin Overview's rules: which security events make each trend, how far back the
// trends look, when a day's counts are final, and how often one person may be reminded.
import type { SecurityEventType } from './activity.js';

export const TREND_DAYS = 30;

/**
 * A day's events are counted for good this long after the day ends in Sydney. An event
 * is written with its node's clock at the time; a node a little behind, or a slow
 * transaction, may still add one to a day just ended.
 */
export const DAY_FINAL_AFTER_IN_MS = 15 * 60_000;

/** "Remind people without 2FA" reaches one person at most once in this time. */
export const TWO_FACTOR_REMINDER_INTERVAL_IN_MS = 7 * 86_400_000;

export interface TrendLine {
  key: string;
  label: string;
  types: SecurityEventType[];
}

export interface TrendChart {
  key: string;
  title: string;
  /** what is counted, in a sentence, for the chart's description */
  counts: string;
  /** one line per series; the first is the chart's main measure */
  lines: TrendLine[];
}

export const TREND_CHARTS: TrendChart[] = [
  {
    key: 'sign-ins',
    title: 'Sign-ins',
    counts: 'completed sign-ins to Twofold',
    lines: [{ key: 'sign-ins', label: 'Sign-ins', types: ['signed_in', 'signed_in_lost_device', 'recovery_code_used'] }],
  },
  { key: 'wrong-codes', title: 'Wrong two-factor codes', counts: 'wrong two-factor codes typed', lines: [{ key: 'wrong-codes', label: 'Wrong codes', types: ['code_failed'] }] },
  {
    key: 'lock-outs',
    title: 'Code entry paused',
    counts: 'times code entry was paused after too many wrong codes',
    lines: [{ key: 'lock-outs', label: 'Pauses', types: ['code_step_locked'] }],
  },
  {
    key: 'sms',
    title: 'SMS codes',
    counts: 'SMS codes sent, and texts refused because a number or an account reached its limit',
    lines: [
      { key: 'sms-sent', label: 'Sent', types: ['sms_code_sent'] },
      { key: 'sms-refused-number', label: 'Refused: number at its limit', types: ['sms_refused_number_limit'] },
      { key: 'sms-refused-account', label: 'Refused: account at its limit', types: ['sms_refused_account_limit'] },
    ],
  },
  {
    key: 'admin-resets',
    title: 'Two-factor resets by administrators',
    counts: 'two-factor resets by administrators',
    lines: [{ key: 'admin-resets', label: 'Resets', types: ['two_factor_reset'] }],
  },
];

/** Every event type a trend counts: the daily counts keep these and no others. */
export const TREND_EVENT_TYPES: SecurityEventType[] = [...new Set(TREND_CHARTS.flatMap((chart) => chart.lines.flatMap((line) => line.types)))];
