// What every use case is given: the store, the clock and the few tools it needs.
// Tests build one with their own clock; nothing here reads globals.
import type { Kysely } from 'kysely';
import type { PasswordHasher } from '../crypto/password-hash.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { CrashPoint } from '../domain/crash-points.js';
import type { DeviceBinding } from '../domain/remembered-devices.js';
import type { SessionLifetime } from '../domain/sessions.js';
import type { SmsSender } from '../sms/sender.js';
import type { BackgroundWork } from './background.js';
import type { Database } from '../store/schema.js';

export interface ServiceContext {
  db: Kysely<Database>;
  /** epoch milliseconds */
  now: () => number;
  hasher: PasswordHasher;
  secretBox: SecretBox;
  sessionLifetime: SessionLifetime;
  /** REMEMBER_DEVICE_BINDING: how a remembered device is tied to the network it was remembered on */
  rememberDeviceBinding: DeviceBinding;
  /** shown in authenticator apps beside the account */
  issuer: string;
  /** PUBLIC_URL: links in emails are built from it, never from a request's Host header */
  publicUrl: string;
  /** called after an email is queued, so the worker sends it without waiting for its timer */
  onEmailQueued?: () => void;
  sms: SmsSender;
  /** HMAC key for SMS codes at rest */
  smsCodeKey: Buffer;
  /** HMAC key for recovery codes at rest */
  recoveryCodeKey: Buffer;
  /** crypto.randomInt unless a test fixes it */
  randomIntBelow?: (max: number) => number;
  /** work started after a reply (forgot-password lookups) */
  background: BackgroundWork;
  /** TEST ONLY (TWOFOLD_TEST_CRASH_AT): may SIGKILL the process here; unset in production, so a no-op */
  crashPoint?: (point: CrashPoint) => void;
}

/** Who is asking, as the security log records it. */
export interface RequestMeta {
  ip: string;
  userAgent: string;
  /** the signed-in session making the request, if any (the id, a hash: never the cookie's token) */
  sessionId?: string;
}

