// Sending and checking SMS codes: random, single use, 10 minutes, hashed at rest,
// compared in constant time, bounded per code and per account, number and IP.
import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { normalizeTypedCode } from '../domain/codes.js';
import {
  SMS_PER_ACCOUNT_PER_DAY,
  SMS_PER_ACCOUNT_PER_HOUR,
  SMS_PER_IP_PER_DAY,
  SMS_PER_IP_PER_HOUR,
  SMS_PER_NUMBER_PER_DAY,
  SMS_PER_NUMBER_PER_HOUR,
  type WindowRule,
  windowRetryAfterInMs,
} from '../domain/limits.js';
import { MAX_TRIES_PER_SMS_CODE, SMS_CODE_LIFETIME_IN_MS, SMS_RESEND_WAIT_IN_MS, type SmsPurpose, generateSmsCode, smsCodeMessage } from '../domain/sms.js';
import { TwofoldError } from '../errors.js';
import { type SmsCodeRow, deleteSmsCode, findSmsCode, markSmsCodeUsed, replaceSmsCode, takeSmsCodeTry } from '../store/sms-codes.js';
import { appendSmsLog } from '../store/sms-log.js';
import { type SecurityEventType, appendSecurityEvent } from '../store/security-events.js';
import { countInWindow } from '../store/throttles.js';
import type { RequestMeta, ServiceContext } from './context.js';

function hashSmsCode(ctx: ServiceContext, codeId: string, code: string): string {
  // Keyed and salted by the row id: a copy of the database does not give the code away
  // by a million-entry lookup table.
  return createHmac('sha256', ctx.smsCodeKey).update(`${codeId}:${code}`).digest('hex');
}

export interface SendCodeRequest {
  userId: string;
  mobile: string;
  purpose: SmsPurpose;
  attemptId: string | null;
}

/** Sends a fresh code, voiding the previous one. Throws the table's error if refused or failed. */
export async function sendSmsCode(ctx: ServiceContext, request: SendCodeRequest, meta: RequestMeta): Promise<void> {
  const nowMs = ctx.now();
  const log = (outcome: 'sent' | 'failed' | 'refused', reason: string | null, providerMessageId: string | null = null) =>
    appendSmsLog(ctx.db, { user_id: request.userId, mobile: request.mobile, purpose: request.purpose, outcome, reason, provider: ctx.sms.provider, provider_message_id: providerMessageId, ip: meta.ip, created_at: nowMs });

  const waitInSeconds = resendWaitInSeconds(await findSmsCode(ctx.db, request.userId, request.purpose), nowMs);
  if (waitInSeconds > 0) {
    await log('refused', 'asked again within 30 seconds');
    throw new TwofoldError('sms_resend_too_soon', { seconds: waitInSeconds });
  }

  // Counted before sending, so a burst of parallel requests cannot exceed any limit.
  // Each refusal is also security activity: the admin Overview charts the number and account ones.
  const limits: Array<[WindowRule, string, SecurityEventType]> = [
    [SMS_PER_ACCOUNT_PER_HOUR, request.userId, 'sms_refused_account_limit'],
    [SMS_PER_ACCOUNT_PER_DAY, request.userId, 'sms_refused_account_limit'],
    [SMS_PER_NUMBER_PER_HOUR, request.mobile, 'sms_refused_number_limit'],
    [SMS_PER_NUMBER_PER_DAY, request.mobile, 'sms_refused_number_limit'],
    [SMS_PER_IP_PER_HOUR, meta.ip, 'sms_refused_address_limit'],
    [SMS_PER_IP_PER_DAY, meta.ip, 'sms_refused_address_limit'],
  ];
  for (const [rule, subject, refusedEvent] of limits) {
    const window = await countInWindow(ctx.db, rule, subject, nowMs);
    if (window.count > rule.max) {
      await log('refused', `limit ${rule.name} (${rule.max})`);
      await appendSecurityEvent(ctx.db, { type: refusedEvent, userId: request.userId, ip: meta.ip, userAgent: meta.userAgent, detail: `${rule.max} per ${rule.windowInMs >= 86_400_000 ? 'day' : 'hour'}`, atMs: nowMs });
      throw new TwofoldError('sms_limit_reached', { minutes: Math.max(1, Math.ceil(windowRetryAfterInMs(window, nowMs, rule) / 60_000)) });
    }
  }

  const id = randomUUID();
  const code = generateSmsCode(ctx.randomIntBelow ?? randomInt);
  await replaceSmsCode(ctx.db, {
    id,
    user_id: request.userId,
    purpose: request.purpose,
    attempt_id: request.attemptId,
    code_hash: hashSmsCode(ctx, id, code),
    mobile: request.mobile,
    created_at: nowMs,
    expires_at: nowMs + SMS_CODE_LIFETIME_IN_MS,
  });
  const result = await ctx.sms.send({ to: request.mobile, body: smsCodeMessage(code) });
  if (!result.sent) {
    await deleteSmsCode(ctx.db, id);
    await log('failed', result.reason);
    throw new TwofoldError(result.invalidNumber ? 'sms_number_refused' : 'sms_send_failed');
  }
  await log('sent', null, result.providerMessageId);
  await appendSecurityEvent(ctx.db, { type: 'sms_code_sent', userId: request.userId, ip: meta.ip, userAgent: meta.userAgent, detail: request.purpose, atMs: nowMs });
}

export type SmsCodeCheck = { valid: true } | { valid: false; reason: 'wrong_code' | 'sms_code_expired' | 'sms_code_tries_exhausted'; triesLeft: number };

/**
 * Checks a typed code against the live code for (user, purpose[, attempt]); a right code
 * is used up. A code belongs to the number it was sent to: once the account's number is
 * another (`mobile`, read by the caller), the code proves nothing and counts as expired.
 */
export async function checkSmsCode(ctx: ServiceContext, request: { userId: string; purpose: SmsPurpose; attemptId: string | null; mobile: string }, typed: unknown): Promise<SmsCodeCheck> {
  const row = await findSmsCode(ctx.db, request.userId, request.purpose);
  const nowMs = ctx.now();
  if (!row || row.used_at !== null || row.expires_at <= nowMs || row.attempt_id !== request.attemptId || row.mobile !== request.mobile) {
    return { valid: false, reason: 'sms_code_expired', triesLeft: 0 };
  }
  if (!(await takeSmsCodeTry(ctx.db, row.id, MAX_TRIES_PER_SMS_CODE, nowMs))) return { valid: false, reason: 'sms_code_tries_exhausted', triesLeft: 0 };
  const triesLeft = MAX_TRIES_PER_SMS_CODE - row.tries - 1;
  const code = normalizeTypedCode(typed);
  const expected = Buffer.from(row.code_hash, 'hex');
  const actual = Buffer.from(hashSmsCode(ctx, row.id, code ?? 'not-a-code'), 'hex');
  const matches = code !== null && timingSafeEqual(expected, actual);
  if (matches && (await markSmsCodeUsed(ctx.db, row.id, nowMs))) return { valid: true };
  return { valid: false, reason: triesLeft <= 0 ? 'sms_code_tries_exhausted' : 'wrong_code', triesLeft };
}

/** Seconds until "Send a new code" may be used again; 0 when it may now. */
export async function secondsUntilResend(ctx: ServiceContext, userId: string, purpose: SmsPurpose): Promise<number> {
  return resendWaitInSeconds(await findSmsCode(ctx.db, userId, purpose), ctx.now());
}

export function resendWaitInSeconds(row: SmsCodeRow | undefined, nowMs: number): number {
  if (!row || row.used_at !== null) return 0;
  return Math.max(0, Math.ceil((row.created_at + SMS_RESEND_WAIT_IN_MS - nowMs) / 1000));
}

/** Whether this sign-in attempt has a code out that can still be typed. */
export function isLiveCodeFor(row: SmsCodeRow | undefined, attemptId: string, nowMs: number): boolean {
  return row !== undefined && row.attempt_id === attemptId && row.used_at === null && row.expires_at > nowMs;
}

/** What the SMS code page shows for an attempt: whether its code is live, and when "Send a new code" works. */
export async function smsCodeStateFor(ctx: ServiceContext, userId: string, attemptId: string): Promise<{ live: boolean; resendInSeconds: number }> {
  const row = await findSmsCode(ctx.db, userId, 'sign_in');
  const nowMs = ctx.now();
  return { live: isLiveCodeFor(row, attemptId, nowMs), resendInSeconds: resendWaitInSeconds(row, nowMs) };
}
