// Seeds a Twofold database straight through the store, as fast as SQL allows: the
// bench needs tens of thousands of people with authenticators, and argon2 for each
// would take minutes. Everyone shares one precomputed password hash.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { PasswordHasher } from '../../src/crypto/password-hash.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { deriveServerKeys } from '../../src/crypto/server-key.js';
import { hashToken } from '../../src/crypto/tokens.js';
import type { Store } from '../../src/store/db.js';

export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
export const BENCH_PASSWORD = 'bench correct horse battery staple';

/** The authenticator secret of TOTP user i: derived, so the load generator knows it. */
export function benchTotpSecret(i: number): Uint8Array {
  return new Uint8Array(createHash('sha1').update(`bench-totp-${i}`).digest());
}

/** The sign-in attempt token for code-step request i. */
export function benchAttemptToken(i: number): string {
  return createHash('sha256').update(`bench-attempt-${i}`).digest('base64url');
}

export const totpEmail = (i: number) => `totp-${i}@bench.example`;
export const plainEmail = (i: number) => `plain-${i}@bench.example`;

const BATCH = 2000;

export async function seedBenchPeople(store: Store, counts: { totpUsers: number; plainUsers: number; attempts: number }): Promise<void> {
  const db = store.db;
  const passwordHash = await new PasswordHasher().hash(BENCH_PASSWORD);
  const box = new SecretBox(deriveServerKeys(BENCH_SECRET).totpEncryption);
  const now = Date.now();
  await db.insertInto('organizations').values({ id: 'bench-org', name: 'Bench Aggregation', parent_id: null, created_at: now }).onConflict((oc) => oc.doNothing()).execute();
  const user = (id: string, email: string) => ({ id, email, name: 'Bench Person', org_id: 'bench-org', role: 'member' as const, password_hash: passwordHash, mobile: null, created_at: now, password_changed_at: now, last_sign_in_at: null, code_locked_until: null });
  for (let start = 0; start < counts.plainUsers; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, counts.plainUsers - start) }, (_, k) => user(`plain-${start + k}`, plainEmail(start + k)));
    await db.insertInto('users').values(rows).execute();
  }
  for (let start = 0; start < counts.totpUsers; start += BATCH) {
    const size = Math.min(BATCH, counts.totpUsers - start);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(Array.from({ length: size }, (_, k) => user(`totp-${start + k}`, totpEmail(start + k)))).execute();
      await trx
        .insertInto('two_factor')
        .values(
          Array.from({ length: size }, (_, k) => ({
            user_id: `totp-${start + k}`,
            method: 'totp' as const,
            totp_secret: box.seal(benchTotpSecret(start + k), `totp-secret:totp-${start + k}`),
            last_used_step: null,
            enabled_at: now,
          })),
        )
        .execute();
    });
  }
  for (let start = 0; start < counts.attempts; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, counts.attempts - start) }, (_, k) => ({
      id: hashToken(benchAttemptToken(start + k)),
      user_id: `totp-${start + k}`,
      created_at: now,
      expires_at: now + 6 * 3_600_000,
      ip: '127.0.0.1',
      user_agent: 'bench',
      remembered_device_note: null,
      last_four_tries: 0,
      recovery_unlocked: 0,
    }));
    await db.insertInto('sign_in_attempts').values(rows).execute();
  }
}

/** A million (or `count`) more people and `events` activity rows, generated inside SQLite. */
export async function seedCrowd(store: Store, count: number, events: number): Promise<void> {
  const now = Date.now();
  const hash = (await store.db.selectFrom('users').select('password_hash').limit(1).executeTakeFirstOrThrow()).password_hash;
  await sql`with recursive seq(n) as (select 0 union all select n + 1 from seq where n < ${count - 1})
    insert into users (id, email, name, org_id, role, password_hash, mobile, created_at, password_changed_at, last_sign_in_at, code_failures, code_locked_until)
    select 'crowd-' || n, 'crowd-' || n || '@crowd.example', 'Crowd Person ' || n, 'bench-org', 'member', ${hash}, null, ${now}, ${now}, null, 0, null from seq`.execute(store.db);
  const chunk = 1_000_000;
  for (let start = 0; start < events; start += chunk) {
    const size = Math.min(chunk, events - start);
    await sql`with recursive seq(n) as (select ${start} union all select n + 1 from seq where n < ${start + size - 1})
      insert into security_events (id, user_id, actor_id, type, ip, user_agent, detail, created_at)
      select printf('00000000-0000-4000-8000-%012d', n), 'crowd-' || cast(n % ${count} as integer), null, 'signed_in', '203.0.113.' || (n % 250), 'Mozilla/5.0 Chrome/130.0', 'password', ${now} - (n * 997) % 31536000000 from seq`.execute(store.db);
  }
}
