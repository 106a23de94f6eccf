// Assembles a running Twofold from a Config: the store, the keys, the services.
// The server and the CLI both start here, so they always agree on DATABASE_URL.
import type { Config } from './config.js';
import { PasswordHasher } from './crypto/password-hash.js';
import { SecretBox } from './crypto/secret-box.js';
import { deriveServerKeys, loadOrCreateMasterSecret, type ServerKeys } from './crypto/server-key.js';
import type { ServiceContext } from './services/context.js';
import type { Logger } from 'pino';
import { OutboxSmsSender } from './sms/outbox.js';
import { type MailTransport, OutboxMailTransport, SmtpMailTransport } from './mail/transport.js';
import type { SmsSender } from './sms/sender.js';
import { TwilioSmsSender } from './sms/twilio.js';
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

export interface RuntimeOptions extends StoreOptions {
  now?: () => number;
  hasher?: PasswordHasher;
  log?: Pick<Logger, 'info'>;
}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const master = loadOrCreateMasterSecret(config.secret, config.dataDir);
  const keys = deriveServerKeys(master.secret);
  const store = openStore(config.databaseUrl, options);
  await migrateToLatest(store);
  const now = options.now ?? Date.now;
  const services: ServiceContext = {
    db: store.db,
    now,
    hasher: options.hasher ?? new PasswordHasher(),
    secretBox: new SecretBox(keys.totpEncryption),
    sessionLifetime: config.sessionLifetime,
    rememberDeviceBinding: config.rememberDeviceBinding,
    issuer: 'Twofold',
    publicUrl: config.publicUrl,
    sms: createSmsSender(config, store.db, now, options.log),
    smsCodeKey: keys.smsCodes,
  };
  return { store, services, keys, ...(master.generatedAt ? { generatedKeyPath: master.generatedAt } : {}) };
}
