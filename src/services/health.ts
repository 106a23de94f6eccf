// /healthz: whether this node can reach its database right now.
import { pingDatabase } from '../store/health.js';
import type { ServiceContext } from './context.js';

export async function isDatabaseReachable(ctx: ServiceContext): Promise<boolean> {
  try {
    await pingDatabase(ctx.db);
    return true;
  } catch {
    return false;
  }
}
