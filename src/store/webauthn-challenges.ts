// WebAuthn challenges: in the database, because the node that sends the options is not
// always the node that receives the answer. Only the challenge's SHA-256 is kept.
import type { Kysely, Selectable } from 'kysely';
import type { Database, WebauthnChallengePurpose, WebauthnChallengesTable } from './schema.js';

type Db = Kysely<Database>;
export type WebauthnChallengeRow = Selectable<WebauthnChallengesTable>;

export async function insertWebauthnChallenge(db: Db, row: WebauthnChallengeRow): Promise<void> {
  await db.insertInto('webauthn_challenges').values(row).execute();
}

/**
 * Uses up a live challenge of this purpose, started by `boundTo` (and for `userId`, when
 * given); true only for the caller whose DELETE removed it.
 * Race prevented: the same signed answer submitted twice at once (a double click, or a
 * replay racing the real sign-in on another node) passes the signature check twice; only
 * the request that deleted the challenge goes on, so one answer makes one session or one
 * credential. The binding in the WHERE also stops a challenge started by one browser or
 * session from being used up by another.
 */
export async function consumeWebauthnChallenge(
  db: Db,
  challenge: { id: string; purpose: WebauthnChallengePurpose; boundTo: string; userId: string | null },
  nowMs: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('webauthn_challenges')
    .where('id', '=', challenge.id)
    .where('purpose', '=', challenge.purpose)
    .where('bound_to', '=', challenge.boundTo)
    .where('user_id', challenge.userId === null ? 'is' : '=', challenge.userId)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** Housekeeping: challenges nobody answered. */
export async function deleteExpiredWebauthnChallenges(db: Db, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
