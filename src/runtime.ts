// Assembles a running Twofold from a Config: the store, the keys, the services.
// The server and the CLI both start here, so they always agree on DATABASE_URL.
import type { Config } from './config.js';
import type { CrashPoint } from './domain/crash-points.js';
import { PasswordHasher } from './crypto/password-hash.js';
import { SecretBox } from './crypto/secret-box.js';
import { deriveServerKeys, loadOrCreateMasterSecret, type ServerKeys } from './crypto/server-key.js';
import type { ServiceContext } from './services/context.js';
import type { Logger } from 'pino';
import { OutboxSmsSender } from './sms/outbox.js';
import { type MailTransport, OutboxMailTransport, SmtpMailTransport } from './mail/transport.js';
import { type SmsSender, observeSends } from './sms/sender.js';
import { BackgroundWork } from './services/background.js';
import { TwilioSmsSender } from './sms/twilio.js';
import { settleServerKeys } from './services/master-secret.js';
import { type Store, type StoreOptions, migrateToLatest, openStore } from './store/db.js';

export interface Runtime {
  store: Store;
  services: ServiceContext;
  keys: ServerKeys;
  /** set when a master key was generated into the data folder on this start */
  generatedKeyPath?: string;
}

export function createMailTransport(config: Config, db: Store['db'], now: () => number, log?: Pick<Logger, 'warn'>): MailTransport {
  if (config.mail.transport === 'smtp') {
    return new SmtpMailTransport(config.mail.smtpUrl, config.mail.from, undefined, (error) => log?.warn({ message: error.message }, 'SMTP transport error'));
  }
  return new OutboxMailTransport(db, now);
}

export function createSmsSender(config: Config, db: Store['db'], now: () => number, log?: Pick<Logger, 'info'>): SmsSender {
  if (config.sms.provider === 'twilio') return new TwilioSmsSender(config.sms);
  return new OutboxSmsSender(db, now, log);
}

/** What the server tells its observers (the metrics) while it works. */
export interface ServiceHooks {
  onHashTiming?: (operation: 'hash' | 'verify', seconds: number) => void;
  onSmsResult?: (provider: string, sent: boolean) => void;
  /** after an email is queued and committed: wake the worker */
  onEmailQueued?: () => void;
  /** TEST ONLY (TWOFOLD_TEST_CRASH_AT): called at each named crash point */
  crashPoint?: (point: CrashPoint) => void;
}

export interface ServiceOptions {
  now?: () => number;
  hasher?: PasswordHasher;
  log?: Pick<Logger, 'info'>;
  hooks?: ServiceHooks;
}

/**
 * The one place a ServiceContext is made, for the server, the command line and the
 * tests alike: what the services use is wired here once, and nothing changes it later.
 */
export function createServiceContext(config: Config, store: Pick<Store, 'db'>, keys: ServerKeys, options: ServiceOptions = {}): ServiceContext {
  const now = options.now ?? Date.now;
  const hooks = options.hooks ?? {};
  const hasher = options.hasher ?? new PasswordHasher();
  if (hooks.onHashTiming) hasher.observe(hooks.onHashTiming);
  const sms = createSmsSender(config, store.db, now, options.log);
  return {
    db: store.db,
    now,
    hasher,
    secretBox: new SecretBox(keys.totpEncryption),
    sessionLifetime: config.sessionLifetime,
    rememberDeviceBinding: config.rememberDeviceBinding,
    issuer: 'Twofold',
    publicUrl: config.publicUrl,
    sms: hooks.onSmsResult ? observeSends(sms, hooks.onSmsResult) : sms,
    smsCodeKey: keys.smsCodes,
    recoveryCodeKey: keys.recoveryCodes,
    background: new BackgroundWork(),
    ...(hooks.onEmailQueued ? { onEmailQueued: hooks.onEmailQueued } : {}),
    ...(hooks.crashPoint ? { crashPoint: hooks.crashPoint } : {}),
  };
}

export interface RuntimeOptions extends StoreOptions, ServiceOptions {}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const master = loadOrCreateMasterSecret(config.secret, config.dataDir);
  const store = openStore(config.databaseUrl, options);
  await migrateToLatest(store);
  // Refuses a secret the database is not sealed with (the old one, after a rotation).
  let keys: ServerKeys;
  try {
    keys = await settleServerKeys(store.db, deriveServerKeys(master.secret), (options.now ?? Date.now)());
  } catch (error) {
    await store.close();
    throw error;
  }
  const services = createServiceContext(config, store, keys, options);
  return { store, services, keys, ...(master.generatedAt ? { generatedKeyPath: master.generatedAt } : {}) };
}
