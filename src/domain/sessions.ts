// How long a signed-in session lives. Defaults follow OWASP ASVS L2:
// 30 minutes idle, 12 hours absolute; both configurable.

export interface SessionLifetime {
  idleTimeoutInMs: number;
  absoluteTimeoutInMs: number;
}

export const DEFAULT_SESSION_LIFETIME: SessionLifetime = {
  idleTimeoutInMs: 30 * 60_000,
  absoluteTimeoutInMs: 12 * 3_600_000,
};

export interface SessionTimes {
  createdAtMs: number;
  lastSeenAtMs: number;
}

export function isSessionExpired(session: SessionTimes, nowMs: number, lifetime: SessionLifetime): boolean {
  return nowMs - session.lastSeenAtMs >= lifetime.idleTimeoutInMs || nowMs - session.createdAtMs >= lifetime.absoluteTimeoutInMs;
}

/**
 * Writing `last_seen_at` on every request would turn every read into a write; a
 * minute of slack in a 30-minute idle timeout is not worth a write per request.
 */
export const SESSION_TOUCH_INTERVAL_IN_MS = 60_000;

export function shouldTouchSession(session: SessionTimes, nowMs: number): boolean {
  return nowMs - session.lastSeenAtMs >= SESSION_TOUCH_INTERVAL_IN_MS;
}
