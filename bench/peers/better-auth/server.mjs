// better-auth 1.7.25 with its twoFactor plugin on SQLite: the peer in `npm run bench`.
// Passwords hash with argon2id at Twofold's parameters (m=19 MiB, t=2, p=1), so the
// comparison is of the systems, not of their hash functions.
import { availableParallelism } from 'node:os';
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
const { createServer } = await import('node:http');
const { hash, verify } = await import('@node-rs/argon2');
const { default: Database } = await import('better-sqlite3');
const { betterAuth } = await import('better-auth');
const { twoFactor } = await import('better-auth/plugins');
const { toNodeHandler } = await import('better-auth/node');
const { getMigrations } = await import('better-auth/db/migration');

const sqlite = new Database(process.env.PEER_DB ?? ':memory:');
sqlite.pragma('journal_mode = WAL');
const argon2id = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

const options = {
  appName: 'Peer',
  baseURL: 'http://127.0.0.1',
  secret: 'peer-secret-peer-secret-peer-secret-0123456789',
  database: sqlite,
  emailAndPassword: {
    enabled: true,
    password: { hash: (password) => hash(password, argon2id), verify: ({ hash: encoded, password }) => verify(encoded, password) },
  },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  advanced: { disableCSRFCheck: true, disableOriginCheck: true },
  plugins: [twoFactor({ issuer: 'Peer' })],
};
const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);
const handler = toNodeHandler(auth);
// Its own no-op route is better-auth's GET /api/auth/ok, through the same handler.
const server = createServer(handler);
server.listen(0, '127.0.0.1', () => console.log(`listening at http://127.0.0.1:${server.address().port}`));
