// Which Twofold session an app's sign-in (the provider's session) came from.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Links the provider's session to a Twofold session, or moves the link to the browser's newer one. */
export async function linkProviderSession(db: Db, providerSessionUid: string, sessionId: string): Promise<void> {
  await db
    .insertInto('oidc_session_links')
    .values({ provider_session_uid: providerSessionUid, session_id: sessionId })
    .onConflict((oc) => oc.column('provider_session_uid').doUpdateSet({ session_id: sessionId }))
    .execute();
}

export interface LinkedSessionRow {
  session_id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
}

/** The Twofold session behind an app's sign-in; none once that session was deleted (the link goes with it). */
export function findLinkedSession(db: Db, providerSessionUid: string): Promise<LinkedSessionRow | undefined> {
  return db
    .selectFrom('oidc_session_links')
    .innerJoin('sessions', 'sessions.id', 'oidc_session_links.session_id')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id as session_id', 'sessions.user_id', 'sessions.created_at', 'sessions.last_seen_at'])
    .where('oidc_session_links.provider_session_uid', '=', providerSessionUid)
    // An app's tokens end with a deactivation even if a session outlived it (see lookUpSessionForRequest).
    .where('users.deactivated_at', 'is', null)
    .executeTakeFirst();
}
