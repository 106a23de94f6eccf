// "A sign-in from a new browser": an email when someone signs in from a browser and
// address never seen before for that person, with the way to the sessions list. Not for
// the first sign-in ever (every browser is new then), nor for a remembered device.
import { createHash } from 'node:crypto';
import { describeUserAgent } from '../domain/user-agent.js';
import { addKnownBrowser, hasOtherKnownBrowsers, touchKnownBrowser } from '../store/known-browsers.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';

/** The kind of browser, not its version: an update must not look like a new browser. */
function knownBrowserId(userId: string, meta: RequestMeta): string {
  return createHash('sha256').update(`${userId}\n${describeUserAgent(meta.userAgent)}\n${meta.ip}`).digest('hex');
}

/**
 * Called with every sign-in, in its transaction when there is one. `remembered`: the
 * browser signed in on a remembered device, which is known by definition.
 */
export async function noticeSignInFromNewBrowser(ctx: ServiceContext, userId: string, meta: RequestMeta, options: { remembered?: boolean } = {}): Promise<void> {
  const id = knownBrowserId(userId, meta);
  const nowMs = ctx.now();
  // A known browser (the usual sign-in) costs two statements: the claim that finds it, the touch.
  if (!(await addKnownBrowser(ctx.db, id, userId, nowMs))) {
    await touchKnownBrowser(ctx.db, id, nowMs);
    return;
  }
  if (options.remembered || !(await hasOtherKnownBrowsers(ctx.db, userId, id))) return;
  await notifySecurityChange(ctx, userId, 'signed_in_from_new_browser', meta, { url: `${ctx.publicUrl}/settings/security#sessions` });
}
