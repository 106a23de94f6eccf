// Assembles a running Twofold from a Config: the store, the keys, the services.
// The server and the CLI both start here, so they always agree on DATABASE_URL.
import type { Config } from './config.js';
import { PasswordHasher } from './crypto/password-hash.js';
import { SecretBox } from './crypto/secret-box.js';
import { deriveServerKeys, loadOrCreateMasterSecret, type ServerKeys } from './crypto/server-key.js';
import type { ServiceContext } from './services/context.js';
import { type Store, migrateToLatest, openStore } from './store/db.js';

export interface Runtime {
  store: Store;
  services: ServiceContext;
  keys: ServerKeys;
  /** set when a master key was generated into the data folder on this start */
  generatedKeyPath?: string;
}

export async function openRuntime(config: Config, options: { now?: () => number; hasher?: PasswordHasher } = {}): Promise<Runtime> {
  const master = loadOrCreateMasterSecret(config.secret, config.dataDir);
  const keys = deriveServerKeys(master.secret);
  const store = openStore(config.databaseUrl);
  await migrateToLatest(store);
  const services: ServiceContext = {
    db: store.db,
    now: options.now ?? Date.now,
    hasher: options.hasher ?? new PasswordHasher(),
    secretBox: new SecretBox(keys.totpEncryption),
    sessionLifetime: config.sessionLifetime,
    rememberDeviceBinding: config.rememberDeviceBinding,
    issuer: 'Twofold',
  };
  return { store, services, keys, ...(master.generatedAt ? { generatedKeyPath: master.generatedAt } : {}) };
}
