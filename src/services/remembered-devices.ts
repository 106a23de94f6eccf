// "Remember this device for 30 days": a token in its own cookie that lets a sign-in
// with the right password skip the code step, from the network it was remembered on.
import { randomUUID } from 'node:crypto';
import { generateToken, hashToken, isWellFormedToken } from '../crypto/tokens.js';
import { REMEMBER_DEVICE_DURATION_IN_MS, canonicalIp, judgeRememberedDevice } from '../domain/remembered-devices.js';
import { describeUserAgent } from '../domain/user-agent.js';
import {
  deleteAllUserRememberedDevices,
  deleteRememberedDevice,
  deleteUserRememberedDevice,
  findRememberedDevice,
  insertRememberedDevice,
  listUserRememberedDevices,
  touchRememberedDevice,
} from '../store/remembered-devices.js';
import { appendSecurityEvent } from '../store/security-events.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';

/** Why the code was asked for although this browser had been remembered; null: nothing to say. */
export type RememberedDeviceNote = 'expired' | 'network_changed' | 'forgotten';

export async function rememberThisDevice(ctx: ServiceContext, userId: string, meta: RequestMeta): Promise<string> {
  const token = generateToken();
  const nowMs = ctx.now();
  await insertRememberedDevice(ctx.db, {
    id: hashToken(token),
    handle: randomUUID(),
    user_id: userId,
    bound_ip: canonicalIp(meta.ip),
    user_agent: meta.userAgent.slice(0, 256),
    created_at: nowMs,
    last_used_at: nowMs,
    expires_at: nowMs + REMEMBER_DEVICE_DURATION_IN_MS,
  });
  await appendSecurityEvent(ctx.db, { type: 'device_remembered', userId, ip: meta.ip, userAgent: meta.userAgent, detail: describeUserAgent(meta.userAgent), atMs: nowMs });
  await notifySecurityChange(ctx, userId, 'device_remembered', meta);
  return token;
}

/**
 * Called only after the right password for `userId`: a remember token alone gets
 * nobody anywhere. A device that fails the check is forgotten for good (the
 * article's rule), and a token used from another network is recorded as an event.
 */
export async function checkRememberedDevice(
  ctx: ServiceContext,
  userId: string,
  token: unknown,
  meta: RequestMeta,
): Promise<{ trusted: true } | { trusted: false; note: RememberedDeviceNote | null }> {
  if (!isWellFormedToken(token)) return { trusted: false, note: null };
  const row = await findRememberedDevice(ctx.db, hashToken(token));
  const nowMs = ctx.now();
  if (!row) return { trusted: false, note: 'forgotten' };
  const verdict = judgeRememberedDevice({ userId: row.user_id, boundIp: row.bound_ip, expiresAtMs: row.expires_at }, userId, meta.ip, nowMs, ctx.rememberDeviceBinding);
  if (verdict.trusted) {
    await touchRememberedDevice(ctx.db, row.id, nowMs);
    return { trusted: true };
  }
  // Another user's token in this browser: say nothing about it, and leave it be.
  if (verdict.reason === 'unknown') return { trusted: false, note: null };
  await deleteRememberedDevice(ctx.db, row.id);
  if (verdict.reason === 'network_changed') {
    await appendSecurityEvent(ctx.db, {
      type: 'remembered_device_refused',
      userId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: `remembered from ${row.bound_ip}, used from ${canonicalIp(meta.ip)}`,
      atMs: nowMs,
    });
  }
  return { trusted: false, note: verdict.reason };
}

export interface RememberedDeviceView {
  handle: string;
  description: string;
  rememberedFromIp: string;
  rememberedAtMs: number;
  lastUsedAtMs: number;
  expiresAtMs: number;
  isThisBrowser: boolean;
}

export async function listRememberedDevices(ctx: ServiceContext, userId: string, currentToken: unknown): Promise<RememberedDeviceView[]> {
  const currentId = isWellFormedToken(currentToken) ? hashToken(currentToken) : null;
  const rows = await listUserRememberedDevices(ctx.db, userId, ctx.now());
  return rows.map((row) => ({
    handle: row.handle,
    description: describeUserAgent(row.user_agent),
    rememberedFromIp: row.bound_ip,
    rememberedAtMs: row.created_at,
    lastUsedAtMs: row.last_used_at,
    expiresAtMs: row.expires_at,
    isThisBrowser: row.id === currentId,
  }));
}

export async function forgetRememberedDevice(ctx: ServiceContext, userId: string, handle: unknown, meta: RequestMeta): Promise<boolean> {
  if (typeof handle !== 'string' || handle.length > 64) return false;
  const forgotten = await deleteUserRememberedDevice(ctx.db, userId, handle);
  if (forgotten) await appendSecurityEvent(ctx.db, { type: 'device_forgotten', userId, ip: meta.ip, userAgent: meta.userAgent, detail: 'one device', atMs: ctx.now() });
  return forgotten;
}

export async function forgetAllRememberedDevices(ctx: ServiceContext, userId: string, meta: RequestMeta, why = 'all devices'): Promise<number> {
  const count = await deleteAllUserRememberedDevices(ctx.db, userId);
  if (count > 0) await appendSecurityEvent(ctx.db, { type: 'device_forgotten', userId, ip: meta.ip, userAgent: meta.userAgent, detail: why, atMs: ctx.now() });
  return count;
}
