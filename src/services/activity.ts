// "Recent security activity": for the person themselves, and for their admins.
import { activityLabel, csvCell } from '../domain/activity.js';
import { describeUserAgent } from '../domain/user-agent.js';
import { type SecurityEventRow, listSecurityEventsForUser, listSecurityEventsInRange } from '../store/security-events.js';
import type { ServiceContext } from './context.js';

export interface ActivityItem {
  id: string;
  label: string;
  atMs: number;
  ip: string | null;
  browser: string | null;
  detail: string | null;
}

export interface ActivityPage {
  items: ActivityItem[];
  /** pass back as `before` for the next (older) page; null when there is none */
  nextCursor: string | null;
}

function itemOf(row: SecurityEventRow): ActivityItem {
  return { id: row.id, label: activityLabel(row.type), atMs: row.created_at, ip: row.ip, browser: row.user_agent ? describeUserAgent(row.user_agent) : null, detail: row.detail };
}

function parseCursor(cursor: unknown): { createdAtMs: number; id: string } | undefined {
  if (typeof cursor !== 'string') return undefined;
  const match = /^(\d{1,15})_([0-9a-f-]{36})$/.exec(cursor);
  return match ? { createdAtMs: Number(match[1]), id: match[2]! } : undefined;
}

export async function listActivity(ctx: ServiceContext, userId: string, pageSize: number, before?: unknown): Promise<ActivityPage> {
  const rows = await listSecurityEventsForUser(ctx.db, userId, pageSize + 1, parseCursor(before));
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return { items: page.map(itemOf), nextCursor: rows.length > pageSize && last ? `${last.created_at}_${last.id}` : null };
}

const CSV_BATCH = 1000;

/** The CSV export, produced in batches so a year of activity never sits in memory whole. */
export async function* activityCsv(ctx: ServiceContext, userId: string, fromMs: number, toMs: number): AsyncGenerator<string> {
  yield 'time_utc,event,ip,browser,detail\r\n';
  let after: { createdAtMs: number; id: string } | undefined;
  for (;;) {
    const rows = await listSecurityEventsInRange(ctx.db, userId, fromMs, toMs, CSV_BATCH, after);
    if (rows.length === 0) return;
    yield rows
      .map((row) => {
        const item = itemOf(row);
        return [new Date(item.atMs).toISOString(), item.label, item.ip, item.browser, item.detail].map(csvCell).join(',') + '\r\n';
      })
      .join('');
    const last = rows.at(-1)!;
    after = { createdAtMs: last.created_at, id: last.id };
    if (rows.length < CSV_BATCH) return;
  }
}
