import type { Kysely, Selectable } from 'kysely';
import type { Database, RememberedDevicesTable } from './schema.js';

type Db = Kysely<Database>;
export type RememberedDeviceRow = Selectable<RememberedDevicesTable>;

export async function insertRememberedDevice(db: Db, row: RememberedDeviceRow): Promise<void> {
  await db.insertInto('remembered_devices').values(row).execute();
}

export function findRememberedDevice(db: Db, id: string): Promise<RememberedDeviceRow | undefined> {
  return db.selectFrom('remembered_devices').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listUserRememberedDevices(db: Db, userId: string, nowMs: number): Promise<RememberedDeviceRow[]> {
  return db.selectFrom('remembered_devices').selectAll().where('user_id', '=', userId).where('expires_at', '>', nowMs).orderBy('created_at', 'desc').execute();
}

export async function touchRememberedDevice(db: Db, id: string, nowMs: number): Promise<void> {
  await db.updateTable('remembered_devices').set({ last_used_at: nowMs }).where('id', '=', id).execute();
}

/** Deletes one device, only if it is this user's: a handle from a form is never trusted alone. */
export async function deleteUserRememberedDevice(db: Db, userId: string, handle: string): Promise<boolean> {
  const result = await db.deleteFrom('remembered_devices').where('handle', '=', handle).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function deleteRememberedDevice(db: Db, id: string): Promise<void> {
  await db.deleteFrom('remembered_devices').where('id', '=', id).execute();
}

export async function deleteAllUserRememberedDevices(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('remembered_devices').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteExpiredRememberedDevices(db: Db, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('remembered_devices').where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
