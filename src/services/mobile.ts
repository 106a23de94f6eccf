// The mobile number on the account. As the article says, it cannot change while
// 2FA is on: remove 2FA, change the number, set 2FA up again.
import { parseAustralianMobile } from '../domain/phone.js';
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { findTwoFactor } from '../store/two-factor.js';
import { findUserById } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';

export async function setMobileNumber(ctx: ServiceContext, userId: string, typed: unknown, meta: RequestMeta): Promise<string> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new TwofoldError('sign_in_required');
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('mobile_locked');
  const mobile = parseAustralianMobile(typed);
  if (mobile === null) throw new TwofoldError('mobile_invalid');
  // Race prevented: 2FA turned on in another tab between the check above and this
  // write must still block the change, so the condition is part of the UPDATE.
  const result = await ctx.db
    .updateTable('users')
    .set({ mobile })
    .where('id', '=', userId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('two_factor').select('user_id').where('two_factor.user_id', '=', userId))))
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) throw new TwofoldError('mobile_locked');
  if (user.mobile !== mobile) {
    await appendSecurityEvent(ctx.db, { type: 'mobile_changed', userId, ip: meta.ip, userAgent: meta.userAgent, detail: user.mobile ? 'changed' : 'added', atMs: ctx.now() });
    await notifySecurityChange(ctx, ctx.db, userId, 'mobile_changed', meta);
  }
  return mobile;
}
