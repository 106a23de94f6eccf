// Configuration from the environment (and an optional .env), checked at start:
// every bad value is named with what it should look like, all at once.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEVICE_BINDINGS, type DeviceBinding } from './domain/remembered-devices.js';
import type { SessionLifetime } from './domain/sessions.js';
import { CRASH_POINTS, type CrashAt, parseCrashAt } from './domain/crash-points.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** TWOFOLD_SECRET; when unset a key is generated into dataDir */
  secret: string | undefined;
  /** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs of the proxies */
  trustProxy: boolean | number | string[];
  publicUrl: string;
  /** true when PUBLIC_URL was not set and publicUrl was made from HOST and PORT */
  publicUrlIsDefault: boolean;
  dataDir: string;
  sessionLifetime: SessionLifetime;
  rememberDeviceBinding: DeviceBinding;
  sms: SmsConfig;
  /** security activity older than this is deleted by housekeeping */
  activityRetentionDays: number;
  /** HOUSEKEEPING_INTERVAL_SECONDS: how often each node purges what expired (the soak shortens it) */
  housekeepingIntervalInMs: number;
  mail: { transport: 'outbox' } | { transport: 'smtp'; smtpUrl: string; from: string };
  /** METRICS_TOKEN: /metrics answers only with this bearer token; unset, there is no /metrics */
  metricsToken: string | undefined;
  production: boolean;
  /**
   * DEV_OUTBOX=1: serve /dev/outbox (the texts and emails the outbox providers kept), with
   * a key printed once at start. Never in production, never behind a proxy: whoever
   * reads it can reset any password.
   */
  devOutbox: boolean;
  logLevel: string;
  /** LOG_FORMAT: 'pretty' lines for a person at a terminal, 'json' for a log collector; unset: pretty on a terminal */
  logFormat: 'json' | 'pretty' | 'auto';
  /**
   * FORWARD_AUTH_DOMAINS: the hosts a sign-in may send the browser back to (`rd`), each a
   * host name (`app.example.com`) or `.example.com` for any host under it; empty: none.
   */
  forwardAuthDomains: string[];
  /**
   * COOKIE_DOMAIN: the session cookie is sent to this domain and every host under it (one
   * sign-in for `*.example.com`, for forward auth); unset: to Twofold's own host only.
   */
  cookieDomain: string | undefined;
  /**
   * TEST ONLY, TWOFOLD_TEST_CRASH_AT=<point>[:<n>]: the process SIGKILLs itself the n-th
   * time it reaches that point (domain/crash-points.ts), for the crash-safety test.
   * Refused with NODE_ENV=production.
   */
  testCrashAt: CrashAt | null;
}

export type SmsConfig =
  | { provider: 'outbox' }
  | { provider: 'twilio'; baseUrl: string; accountSid: string; authToken: string; from?: string; messagingServiceSid?: string; timeoutInMs: number };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const port = int('PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const dataDir = resolve(env.DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || `sqlite:${resolve(dataDir, 'twofold.sqlite')}`;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) problems.push(`DATABASE_URL must be sqlite:<path> or postgres://user@host:port/db (got "${databaseUrl}")`);

  const secret = env.TWOFOLD_SECRET || undefined;
  if (secret !== undefined && secret.length < 32) problems.push('TWOFOLD_SECRET must be at least 32 characters (try: openssl rand -base64 32)');

  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);

  // On this machine only, the default says localhost: passkeys need a host name (an IP
  // address cannot be a WebAuthn relying-party id), and the browser reaches it the same.
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  const publicUrl = env.PUBLIC_URL || `http://${loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    problems.push(`PUBLIC_URL must be an http:// or https:// address (got "${publicUrl}")`);
  }

  const sessionLifetime: SessionLifetime = {
    idleTimeoutInMs: int('SESSION_IDLE_MINUTES', 30, 1, 24 * 60) * 60_000,
    absoluteTimeoutInMs: int('SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 30) * 3_600_000,
  };

  const rememberDeviceBinding = (env.REMEMBER_DEVICE_BINDING || 'ip') as DeviceBinding;
  if (!DEVICE_BINDINGS.includes(rememberDeviceBinding)) problems.push(`REMEMBER_DEVICE_BINDING must be one of ${DEVICE_BINDINGS.join(', ')} (got "${env.REMEMBER_DEVICE_BINDING}")`);

  const sms = parseSmsConfig(env, problems, int);
  const activityRetentionDays = int('ACTIVITY_RETENTION_DAYS', 400, 30, 3650);
  const housekeepingIntervalInMs = int('HOUSEKEEPING_INTERVAL_SECONDS', 600, 10, 86_400) * 1000;
  const mail = parseMailConfig(env, problems);
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters');

  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const logFormat = env.LOG_FORMAT || 'auto';
  if (logFormat !== 'json' && logFormat !== 'pretty' && logFormat !== 'auto') problems.push(`LOG_FORMAT must be json or pretty (got "${logFormat}")`);

  const production = env.NODE_ENV === 'production';
  const devOutbox = parseDevOutbox(env.DEV_OUTBOX, problems);
  if (devOutbox && production) problems.push('DEV_OUTBOX=1 cannot be used with NODE_ENV=production: the outbox shows every code and reset link');
  if (devOutbox && trustProxy !== false) problems.push('DEV_OUTBOX=1 cannot be used with TRUST_PROXY: behind a proxy the outbox could be reached by anyone the proxy serves');

  const testCrashAt = env.TWOFOLD_TEST_CRASH_AT ? parseCrashAt(env.TWOFOLD_TEST_CRASH_AT) : null;
  if (env.TWOFOLD_TEST_CRASH_AT && !testCrashAt) problems.push(`TWOFOLD_TEST_CRASH_AT must be one of ${CRASH_POINTS.join(', ')}, optionally followed by :<n> (got "${env.TWOFOLD_TEST_CRASH_AT}")`);
  if (testCrashAt && production) problems.push('TWOFOLD_TEST_CRASH_AT is for the test suite only and cannot be used with NODE_ENV=production');

  const forwardAuthDomains = parseForwardAuthDomains(env.FORWARD_AUTH_DOMAINS, problems);
  const cookieDomain = parseCookieDomain(env.COOKIE_DOMAIN, publicUrl, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return { port, host, databaseUrl, secret, trustProxy, publicUrl, publicUrlIsDefault: !env.PUBLIC_URL, dataDir, sessionLifetime, rememberDeviceBinding, sms, activityRetentionDays, housekeepingIntervalInMs, mail, metricsToken, production, devOutbox, logLevel, logFormat: logFormat as Config['logFormat'], forwardAuthDomains, cookieDomain, testCrashAt };
}

/** A DNS name in lowercase ASCII, at least two labels (a single label is a TLD or localhost), no trailing dot. */
const DOMAIN_NAME = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;

function parseForwardAuthDomains(raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw.split(',').map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const name = entry.startsWith('.') ? entry.slice(1) : entry;
    if (!DOMAIN_NAME.test(name) || /^[\d.]+$/.test(name)) {
      problems.push(`FORWARD_AUTH_DOMAINS must be host names separated by commas, like app.example.com or .example.com for every host under example.com (no scheme, port or *; Unicode names in their xn-- form); got "${entry}"`);
      return [];
    }
  }
  return entries;
}

function parseCookieDomain(raw: string | undefined, publicUrl: string, problems: string[]): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  // A leading dot means the same to browsers (RFC 6265 ignores it).
  const domain = raw.trim().toLowerCase().replace(/^\./, '');
  if (!DOMAIN_NAME.test(domain) || /^[\d.]+$/.test(domain)) {
    problems.push(`COOKIE_DOMAIN must be a domain name like example.com (got "${raw}")`);
    return undefined;
  }
  let publicHost = '';
  try {
    publicHost = new URL(publicUrl).hostname;
  } catch {
    return undefined; // PUBLIC_URL's own problem is reported already
  }
  // A browser refuses a cookie for a domain the answering host is not inside of: sign-in would silently never stick.
  if (publicHost !== domain && !publicHost.endsWith(`.${domain}`)) {
    problems.push(`COOKIE_DOMAIN must be PUBLIC_URL's host or a domain it is under: PUBLIC_URL's host is "${publicHost}", which is not inside "${domain}"`);
    return undefined;
  }
  return domain;
}

function parseDevOutbox(raw: string | undefined, problems: string[]): boolean {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  problems.push(`DEV_OUTBOX must be 1 or 0 (got "${raw}")`);
  return false;
}

function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((s) => s.trim());
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    if (!address || isIP(address) === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      problems.push(`TRUST_PROXY must be false, true, a hop count, or proxy addresses/CIDRs separated by commas (got "${raw}")`);
      return false;
    }
  }
  return entries;
}

function parseSmsConfig(env: Record<string, string | undefined>, problems: string[], int: (name: string, fallback: number, min: number, max: number) => number): SmsConfig {
  const provider = env.SMS_PROVIDER || 'outbox';
  if (provider === 'outbox') return { provider };
  if (provider !== 'twilio') {
    problems.push(`SMS_PROVIDER must be outbox or twilio (got "${provider}")`);
    return { provider: 'outbox' };
  }
  const accountSid = env.TWILIO_ACCOUNT_SID ?? '';
  const authToken = env.TWILIO_AUTH_TOKEN ?? '';
  const from = env.TWILIO_FROM || undefined;
  const messagingServiceSid = env.TWILIO_MESSAGING_SERVICE_SID || undefined;
  const baseUrl = env.TWILIO_BASE_URL || 'https://api.twilio.com';
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) problems.push('TWILIO_ACCOUNT_SID must be your Twilio account SID (AC followed by 32 hex digits)');
  if (authToken.length === 0) problems.push('TWILIO_AUTH_TOKEN must be set when SMS_PROVIDER=twilio');
  if (!from && !messagingServiceSid) problems.push('Set TWILIO_FROM (a sender number like +61400000000) or TWILIO_MESSAGING_SERVICE_SID when SMS_PROVIDER=twilio');
  if (!/^https?:\/\//.test(baseUrl)) problems.push(`TWILIO_BASE_URL must be an http(s) address (got "${baseUrl}")`);
  const timeoutInMs = int('SMS_TIMEOUT_MS', 5000, 500, 30_000);
  return { provider: 'twilio', baseUrl, accountSid, authToken, timeoutInMs, ...(from ? { from } : {}), ...(messagingServiceSid ? { messagingServiceSid } : {}) };
}

function parseMailConfig(env: Record<string, string | undefined>, problems: string[]): Config['mail'] {
  const smtpUrl = env.SMTP_URL;
  if (!smtpUrl) return { transport: 'outbox' };
  try {
    const url = new URL(smtpUrl);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error();
    const starttls = url.searchParams.get('starttls');
    if (starttls !== null && starttls !== 'never' && starttls !== 'required') problems.push(`SMTP_URL's starttls= must be required or never (got "${starttls}")`);
  } catch {
    problems.push('SMTP_URL must look like smtp://user:pass@host:587 (or smtps:// for TLS from the start)');
  }
  const from = env.MAIL_FROM || 'Twofold <no-reply@localhost>';
  return { transport: 'smtp', smtpUrl, from };
}
