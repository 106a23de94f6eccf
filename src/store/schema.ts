// The database as Kysely sees it. Times are epoch milliseconds (bigint in
// PostgreSQL, parsed back to numbers; integer in SQLite); flags are 0/1 integers;
// ids are random UUID strings. One shape for both databases.
import type { Role } from '../domain/accounts.js';
import type { SecurityEventType } from '../domain/activity.js';
import type { SmsPurpose } from '../domain/sms.js';
import type { TwoFactorMethod } from '../domain/second-factors.js';
import type { Generated } from 'kysely';

export interface OrganizationsTable {
  id: string;
  name: string;
  /** null for an aggregator; the aggregator's id for a firm under it */
  parent_id: string | null;
  created_at: number;
  /** 1 on an aggregator that requires 2FA of everyone under it */
  require_two_factor: Generated<number>;
}

export interface TwoFactorResetsTable {
  id: string;
  user_id: string;
  /** null when the operator reset it from the CLI */
  reset_by_user_id: string | null;
  reset_by_name: string;
  organization_name: string;
  created_at: number;
  seen_at: number | null;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  org_id: string;
  role: Role;
  /** null until the person has chosen a password (invitations) */
  password_hash: string | null;
  /** E.164, e.g. +61412345678 */
  mobile: string | null;
  created_at: number;
  password_changed_at: number | null;
  last_sign_in_at: number | null;
  /** consecutive wrong second-factor codes, across attempts and nodes */
  code_failures: Generated<number>;
  code_locked_until: number | null;
  /** when a link emailed to the address was used (invitation, password reset) */
  email_verified_at: number | null;
  /** when an administrator or the operator deactivated the person; null while they may sign in */
  deactivated_at: Generated<number | null>;
}

export interface TwoFactorTable {
  user_id: string;
  method: TwoFactorMethod;
  /** AES-256-GCM sealed, bound to the user id; null for the SMS method */
  totp_secret: string | null;
  /** the TOTP step of the last code accepted: no code of that step or earlier is accepted again */
  last_used_step: number | null;
  enabled_at: number;
}

export interface TotpEnrollmentsTable {
  user_id: string;
  totp_secret: string;
  /** the session that was shown the secret; null when made outside a session (fixtures, tools) */
  session_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  /** random, one per code */
  salt: string;
  /** HMAC-SHA-256(key from TWOFOLD_SECRET, salt:code) */
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export type { TwoFactorMethod };

export interface TwoFactorActivationsTable {
  user_id: string;
  /** the session that proved the factor; null outside a session (fixtures, tools) */
  session_id: string | null;
  method: TwoFactorMethod;
  /** sealed as in two_factor, for the app */
  totp_secret: string | null;
  /** the step of the code that proved the app: it cannot sign anyone in afterwards */
  last_used_step: number | null;
  /** for SMS: the number the code was sent to; it turns on only while it is still the account's */
  mobile: string | null;
  created_at: number;
  expires_at: number;
}

export interface RecoveryCodeRevealsTable {
  user_id: string;
  session_id: string | null;
  /** the plain codes, JSON, sealed with the TOTP encryption key bound to the user */
  sealed_codes: string;
  created_at: number;
  expires_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the cookie token */
  id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  ip: string;
  user_agent: string;
  /** how it signed in: RFC 8176 method values, space-separated (see domain/auth-methods.ts) */
  amr: string;
}

export interface SignInAttemptsTable {
  /** SHA-256 of the cookie token */
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  code_tries: Generated<number>;
  ip: string;
  user_agent: string;
  /** why a remembered device was not trusted: 'expired' | 'network_changed' | 'forgotten' */
  remembered_device_note: string | null;
  /** wrong "last 4 digits" answers on the lost-device path */
  last_four_tries: Generated<number>;
  /** 1 once the last 4 digits of the mobile matched: the recovery code may be sent and used */
  recovery_unlocked: Generated<number>;
  /** where to go once the code step is done (checked by the web layer before it was stored) */
  next_path: string | null;
}

export interface SmsCodesTable {
  id: string;
  user_id: string;
  /** 'enroll' (proving the number), 'sign_in' (SMS method), 'recovery' (lost device), 'backup' (a number added while 2FA is on) */
  purpose: SmsPurpose;
  /** the sign-in attempt it belongs to; for 'backup', the session that proved the password and second factor; null for enrolment */
  attempt_id: string | null;
  /** HMAC-SHA-256 of the code under a server key: the database alone does not reveal it */
  code_hash: string;
  mobile: string;
  created_at: number;
  expires_at: number;
  tries: Generated<number>;
  used_at: number | null;
}

export interface SmsLogTable {
  id: string;
  user_id: string | null;
  mobile: string;
  purpose: string;
  /** 'sent' | 'failed' | 'refused' */
  outcome: string;
  reason: string | null;
  provider: string;
  provider_message_id: string | null;
  ip: string | null;
  created_at: number;
}

export interface OutboxMessagesTable {
  id: string;
  channel: 'sms' | 'email';
  recipient: string;
  subject: string | null;
  body: string;
  html: string | null;
  created_at: number;
}

export interface RememberedDevicesTable {
  /** SHA-256 of the cookie token */
  id: string;
  /** a random public name for the row, used by the Forget buttons */
  handle: string;
  user_id: string;
  /** the client address when remembered: the article's "change in IP address" rule */
  bound_ip: string;
  user_agent: string;
  created_at: number;
  last_used_at: number;
  /** created_at + 30 days: absolute, never extended by use */
  expires_at: number;
}

export interface ThrottlesTable {
  key: string;
  window_started_at: number;
  count: number;
}

export interface SetupTokensTable {
  id: string;
  created_at: number;
  expires_at: number;
}

export interface SecurityEventsTable {
  id: string;
  user_id: string | null;
  actor_id: string | null;
  type: SecurityEventType;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
  created_at: number;
}

export interface EmailQueueTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  /** what it is about, for the operator: 'password_reset', 'invitation', 'notification' */
  kind: string;
  /** 'pending' | 'sending' | 'sent' | 'failed' */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** a worker holds a 'sending' row until then; after it, another may take it over */
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export type AccountTokenPurpose = 'password_reset' | 'invitation';

export interface AccountTokensTable {
  /** SHA-256 of the token in the link */
  id: string;
  user_id: string;
  purpose: AccountTokenPurpose;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export type CredentialDeviceType = 'singleDevice' | 'multiDevice';

export interface PasskeysTable {
  /** the credential id, base64url */
  id: string;
  user_id: string;
  /** COSE public key, base64url */
  public_key: string;
  /** the authenticator's signature counter at its last accepted use (0 for synced passkeys) */
  sign_count: number;
  /** JSON array of transports, as the browser reported them */
  transports: string;
  device_type: CredentialDeviceType;
  /** 1 when the credential is backed up (synced) */
  backed_up: number;
  aaguid: string;
  /** what the person called it, cleaned */
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface WebauthnUserHandlesTable {
  user_id: string;
  /** random base64url, the WebAuthn user.id: neither the email nor the user id */
  handle: string;
}

export type WebauthnChallengePurpose = 'register' | 'second_factor' | 'sign_in';

export interface WebauthnChallengesTable {
  /** SHA-256 (hex) of the challenge */
  id: string;
  purpose: WebauthnChallengePurpose;
  user_id: string | null;
  /** session id (register), sign-in attempt id (second_factor), SHA-256 of the browser token (sign_in) */
  bound_to: string;
  created_at: number;
  expires_at: number;
}

export interface OidcPayloadsTable {
  model: string;
  id: string;
  /** the provider's JSON for this piece of state */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  account_id: string | null;
  client_id: string | null;
  created_at: number;
  expires_at: number | null;
  consumed_at: number | null;
}

export interface KnownBrowsersTable {
  /** SHA-256 of the person's id, the kind of browser ("Chrome on Windows") and the address */
  id: string;
  user_id: string;
  first_seen_at: number;
  last_seen_at: number;
}

export interface OidcSessionLinksTable {
  /** the provider session's uid (what its tokens name as sessionUid) */
  provider_session_uid: string;
  /** the Twofold session (SHA-256 of its cookie) it came from */
  session_id: string;
}

export interface OidcClientsTable {
  client_id: string;
  name: string;
  secret_sealed: string | null;
  /** JSON array */
  redirect_uris: string;
  /** JSON array */
  post_logout_redirect_uris: string;
  org_id: string | null;
  id_token_alg: string;
  created_at: number;
  secret_rotated_at: number | null;
}

export interface OidcSigningKeysTable {
  kid: string;
  alg: string;
  private_jwk_sealed: string;
  created_at: number;
  /** published from created_at; used to sign from here on */
  signs_from: number;
  retired_at: number | null;
}

export interface ServerKeysTable {
  /** SERVER_KEY in domain/sealed-values.ts */
  purpose: string;
  /** sealed under the master secret, bound to the purpose */
  sealed: string;
  created_at: number;
}

/** One Sydney day's count of one kind of event among one organisation's people. */
export interface ActivityDailyCountsTable {
  org_id: string;
  /** "2026-11-30", in Sydney */
  day: string;
  type: SecurityEventType;
  count: number;
}

export interface ActivityDaysCountedTable {
  day: string;
  counted_at: number;
}

export interface TwoFactorRemindersTable {
  user_id: string;
  sent_at: number;
  /** the admin who pressed Remind people without 2FA */
  sent_by: string | null;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  two_factor: TwoFactorTable;
  totp_enrollments: TotpEnrollmentsTable;
  recovery_codes: RecoveryCodesTable;
  two_factor_activations: TwoFactorActivationsTable;
  recovery_code_reveals: RecoveryCodeRevealsTable;
  sessions: SessionsTable;
  sign_in_attempts: SignInAttemptsTable;
  remembered_devices: RememberedDevicesTable;
  sms_codes: SmsCodesTable;
  sms_log: SmsLogTable;
  outbox_messages: OutboxMessagesTable;
  two_factor_resets: TwoFactorResetsTable;
  email_queue: EmailQueueTable;
  account_tokens: AccountTokensTable;
  throttles: ThrottlesTable;
  setup_tokens: SetupTokensTable;
  security_events: SecurityEventsTable;
  passkeys: PasskeysTable;
  webauthn_user_handles: WebauthnUserHandlesTable;
  webauthn_challenges: WebauthnChallengesTable;
  oidc_payloads: OidcPayloadsTable;
  oidc_clients: OidcClientsTable;
  oidc_signing_keys: OidcSigningKeysTable;
  server_keys: ServerKeysTable;
  oidc_session_links: OidcSessionLinksTable;
  known_browsers: KnownBrowsersTable;
  activity_daily_counts: ActivityDailyCountsTable;
  activity_days_counted: ActivityDaysCountedTable;
  two_factor_reminders: TwoFactorRemindersTable;
}
