// The master secret (TWOFOLD_SECRET) against the database: checking at start that it is
// the one the stored values are sealed with, and replacing it (`twofold secret rotate`).
import { SecretBox } from '../crypto/secret-box.js';
import { type ServerKeys, deriveServerKeys } from '../crypto/server-key.js';
import { SEALED_TABLES, SECRET_CHECK_PLAINTEXT, SERVER_KEY, type SealedTable, sealedPurpose } from '../domain/sealed-values.js';
import { TwofoldError } from '../errors.js';
import { listSealedValues, replaceSealedValue, type SealedValue } from '../store/sealed-values.js';
import { anySealedTotpSecret, findServerKey, insertServerKeyIfAbsent } from '../store/server-keys.js';
import { deleteAllSmsCodes } from '../store/sms-codes.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ServiceContext } from './context.js';
import { inTransaction } from './transaction.js';

type Db = Kysely<Database>;

const opens = (box: SecretBox, sealed: string, purpose: string): boolean => {
  try {
    box.open(sealed, purpose);
    return true;
  } catch {
    return false;
  }
};

/**
 * At every start of the server and of the CLI: refuses a master secret that is not the
 * one the database is sealed with (after a rotation, the old one), instead of starting
 * and failing each sign-in. Returns the keys to run with: the recovery codes' HMAC key
 * is the one stored in the database (see rotateMasterSecret for why it is not derived).
 *
 * A database from before server_keys existed gets its rows now: the check under this
 * secret (once one sealed TOTP secret is seen to open with it) and, as the recovery-code
 * key, the one derived from it, which every code already issued was made with.
 */
export async function settleServerKeys(db: Db, keys: ServerKeys, nowMs: number): Promise<ServerKeys> {
  const box = new SecretBox(keys.totpEncryption);
  const checkPurpose = sealedPurpose.serverKey(SERVER_KEY.secretCheck);
  let check = await findServerKey(db, SERVER_KEY.secretCheck);
  if (!check) {
    const sample = await anySealedTotpSecret(db);
    if (sample?.totp_secret && !opens(box, sample.totp_secret, sealedPurpose.totpSecret(sample.user_id))) throw new TwofoldError('secret_mismatch');
    await insertServerKeyIfAbsent(db, { purpose: SERVER_KEY.secretCheck, sealed: box.seal(Buffer.from(SECRET_CHECK_PLAINTEXT, 'utf8'), checkPurpose), created_at: nowMs });
    check = (await findServerKey(db, SERVER_KEY.secretCheck))!;
  }
  if (!opens(box, check.sealed, checkPurpose)) throw new TwofoldError('secret_mismatch');
  const keyPurpose = sealedPurpose.serverKey(SERVER_KEY.recoveryCodeHmac);
  await insertServerKeyIfAbsent(db, { purpose: SERVER_KEY.recoveryCodeHmac, sealed: box.seal(keys.recoveryCodes, keyPurpose), created_at: nowMs });
  const stored = (await findServerKey(db, SERVER_KEY.recoveryCodeHmac))!;
  return { ...keys, recoveryCodes: Buffer.from(box.open(stored.sealed, keyPurpose)) };
}

/**
 * Called before sealing anything new: a server still running with the old secret after a
 * rotation must not seal a TOTP secret (or a key, or a client secret) that the new secret
 * cannot open. It fails that request instead ("try again"), until it is restarted.
 * A database without the check row (made before it existed, or by a test) has nothing to compare.
 */
export async function requireCurrentMasterSecret(ctx: ServiceContext): Promise<void> {
  const check = await findServerKey(ctx.db, SERVER_KEY.secretCheck);
  if (check && !opens(ctx.secretBox, check.sealed, sealedPurpose.serverKey(SERVER_KEY.secretCheck))) throw new TwofoldError('secret_rotated_restart');
}

export interface RotationReport {
  /** values re-sealed, per table */
  resealed: Record<SealedTable, number>;
  /** SMS codes that could no longer be checked, deleted */
  smsCodesVoided: number;
}

/**
 * `twofold secret rotate`: every value sealed under the old master secret is opened and
 * sealed again under the new one, in one transaction; if any does not open with the old
 * secret, nothing changes and the report says where. What is only an HMAC under a key
 * derived from the secret cannot be re-keyed without its plaintext:
 * - SMS codes (10 minutes, single use) are deleted: a person asks for a new one;
 * - recovery codes are not derived-keyed: their HMAC key is random data sealed in
 *   server_keys, re-sealed here like any other value, so every saved code keeps working
 *   (voiding codes people keep in a drawer would silently take away their way back in);
 * - CSRF tokens and the OpenID Provider's cookies are keyed from the secret too: a form
 *   or an app sign-in open across the restart is asked again; nothing stored depends on them.
 * Session tokens, remembered devices and emailed links are SHA-256 hashes with no key,
 * so sessions survive (the old secret gives no way into them).
 */
export async function rotateMasterSecret(ctx: ServiceContext, oldSecret: string, newSecret: string): Promise<RotationReport> {
  if (newSecret === oldSecret) throw new TwofoldError('secret_rotation_same');
  if (newSecret.length < 32) throw new TwofoldError('secret_rotation_too_short');
  const oldKeys = deriveServerKeys(oldSecret);
  const oldBox = new SecretBox(oldKeys.totpEncryption);
  const newBox = new SecretBox(deriveServerKeys(newSecret).totpEncryption);
  return inTransaction(ctx, async (tx) => {
    const nowMs = tx.now();
    // A database that never had its server_keys rows (made before them): the recovery-code
    // key every existing code was made with is the one derived from the old secret.
    if (!(await findServerKey(tx.db, SERVER_KEY.recoveryCodeHmac))) {
      await insertServerKeyIfAbsent(tx.db, { purpose: SERVER_KEY.recoveryCodeHmac, sealed: oldBox.seal(oldKeys.recoveryCodes, sealedPurpose.serverKey(SERVER_KEY.recoveryCodeHmac)), created_at: nowMs });
    }
    if (!(await findServerKey(tx.db, SERVER_KEY.secretCheck))) {
      await insertServerKeyIfAbsent(tx.db, { purpose: SERVER_KEY.secretCheck, sealed: oldBox.seal(Buffer.from(SECRET_CHECK_PLAINTEXT, 'utf8'), sealedPurpose.serverKey(SERVER_KEY.secretCheck)), created_at: nowMs });
    }
    const values: Array<SealedValue & { plain: Uint8Array | null }> = [];
    for (const table of Object.keys(SEALED_TABLES) as SealedTable[]) {
      for (const value of await listSealedValues(tx.db, table)) {
        let plain: Uint8Array | null = null;
        try {
          plain = oldBox.open(value.sealed, SEALED_TABLES[table](value.id));
        } catch {
          // counted below
        }
        values.push({ ...value, plain });
      }
    }
    const refused = new Map<SealedTable, { bad: number; all: number }>();
    for (const value of values) {
      const entry = refused.get(value.table) ?? { bad: 0, all: 0 };
      entry.all += 1;
      if (value.plain === null) entry.bad += 1;
      refused.set(value.table, entry);
    }
    const wrong = [...refused].filter(([, n]) => n.bad > 0);
    if (wrong.length > 0) throw new TwofoldError('secret_rotation_wrong_old', { detail: wrong.map(([table, n]) => `${table}: ${n.bad} of ${n.all}`).join(', ') });

    const resealed = Object.fromEntries(Object.keys(SEALED_TABLES).map((t) => [t, 0])) as Record<SealedTable, number>;
    for (const value of values) {
      const again = newBox.seal(value.plain!, SEALED_TABLES[value.table](value.id));
      if (!(await replaceSealedValue(tx.db, value, again))) throw new TwofoldError('secret_rotation_raced', { table: value.table });
      resealed[value.table] += 1;
    }
    const smsCodesVoided = await deleteAllSmsCodes(tx.db);
    return { resealed, smsCodesVoided };
  });
}
