import { describe, expect, it } from 'vitest';
import { CODE_FAILURES_PER_LOCK, codeLockDurationInMs, countEventInWindow, isWindowExhausted } from '../../src/domain/limits.js';
import { judgeNewPassword } from '../../src/domain/passwords.js';
import { DEFAULT_SESSION_LIFETIME, isSessionExpired } from '../../src/domain/sessions.js';

describe('second-factor lock', () => {
  it('locks every 10th consecutive failure, doubling from 15 minutes up to a day', () => {
    expect(codeLockDurationInMs(9)).toBe(0);
    expect(codeLockDurationInMs(CODE_FAILURES_PER_LOCK)).toBe(15 * 60_000);
    expect(codeLockDurationInMs(11)).toBe(0);
    expect(codeLockDurationInMs(20)).toBe(30 * 60_000);
    expect(codeLockDurationInMs(100)).toBe(24 * 3_600_000);
  });
});

describe('fixed windows', () => {
  const rule = { name: 't', max: 3, windowInMs: 1000 };
  it('counts within a window and starts afresh after it', () => {
    let state = countEventInWindow(null, 0, rule);
    state = countEventInWindow(state, 10, rule);
    state = countEventInWindow(state, 20, rule);
    expect(isWindowExhausted(state, 30, rule)).toBe(true);
    expect(isWindowExhausted(state, 1000, rule)).toBe(false);
    expect(countEventInWindow(state, 1000, rule)).toEqual({ windowStartedAtMs: 1000, count: 1 });
  });
});

describe('sessions', () => {
  it('expire after 30 idle minutes or 12 hours in all', () => {
    const t0 = 1_000_000;
    expect(isSessionExpired({ createdAtMs: t0, lastSeenAtMs: t0 }, t0 + 29 * 60_000, DEFAULT_SESSION_LIFETIME)).toBe(false);
    expect(isSessionExpired({ createdAtMs: t0, lastSeenAtMs: t0 }, t0 + 30 * 60_000, DEFAULT_SESSION_LIFETIME)).toBe(true);
    const busy = t0 + 12 * 3_600_000;
    expect(isSessionExpired({ createdAtMs: t0, lastSeenAtMs: busy - 1000 }, busy, DEFAULT_SESSION_LIFETIME)).toBe(true);
  });
});

describe('new passwords (NIST SP 800-63B)', () => {
  it('needs 12 characters, at most 128, and a strength estimate of 3 or more', () => {
    expect(judgeNewPassword('short', [])).toMatchObject({ acceptable: false, problem: 'password_too_short' });
    expect(judgeNewPassword('x'.repeat(129), [])).toMatchObject({ acceptable: false, problem: 'password_too_long' });
    expect(judgeNewPassword('password1234', [])).toMatchObject({ acceptable: false, problem: 'password_too_weak' });
    expect(judgeNewPassword('correct horse battery staple', [])).toEqual({ acceptable: true });
  });

  it('has no composition rules, and counts the person’s own name and email against them', () => {
    expect(judgeNewPassword('lowercase only words here', [])).toEqual({ acceptable: true });
    expect(judgeNewPassword('patbrokerpatbroker', ['pat.broker@firm.com.au', 'Pat Broker']).acceptable).toBe(false);
  });

  it('refuses a password made of the person’s name, email or organisations, however it is typed', () => {
    const about = ['sam.lee@bondi.com.au', 'Sam Lee', 'Bondi Home Loans', 'Harbour Aggregation', 'twofold'];
    for (const password of ['samleeharbour', 'Bondi Home Loans 2026', 'bondihomeloans!!', 'HarbourAggregation1', 'sam lee bondi loans', 'twofold twofold'])
      expect(judgeNewPassword(password, about), password).toMatchObject({ acceptable: false });
    // Without the organisations, a firm's name looks like any three words and a year.
    expect(judgeNewPassword('Bondi Home Loans 2026', about.slice(0, 2))).toEqual({ acceptable: true });
    // The person's words inside a phrase of its own are fine.
    for (const password of ['harbour lights at midnight', 'sam likes purple giraffes']) expect(judgeNewPassword(password, about), password).toEqual({ acceptable: true });
  });
});
