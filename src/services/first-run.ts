// First run: on an empty database the console prints a one-time link that creates
// the first organisation (an aggregator) and its administrator, as Gitea and Grafana do.
import { generateToken, hashToken, isWellFormedToken } from '../crypto/tokens.js';
import { SETUP_LINK_LIFETIME_IN_MS } from '../domain/limits.js';
import { TwofoldError } from '../errors.js';
import { claimSetupToken, deleteAllSetupTokens, insertSetupToken, isSetupTokenLive } from '../store/setup-tokens.js';
import { countUsers } from '../store/users.js';
import { createOrganization, createUser } from './accounts.js';
import type { ServiceContext } from './context.js';
import { inTransaction } from './transaction.js';

/** Returns the setup link to print, or null when the database already has people. */
export async function issueSetupLinkIfEmpty(ctx: ServiceContext, publicUrl: string): Promise<string | null> {
  if ((await countUsers(ctx.db)) > 0) return null;
  const token = generateToken();
  const nowMs = ctx.now();
  // Only one setup link is live at a time: the new one replaces any older one.
  await inTransaction(ctx, async (tx) => {
    await deleteAllSetupTokens(tx.db);
    await insertSetupToken(tx.db, hashToken(token), nowMs, nowMs + SETUP_LINK_LIFETIME_IN_MS);
  });
  return new URL(`/setup?token=${token}`, publicUrl).toString();
}

export async function isSetupLinkValid(ctx: ServiceContext, token: unknown): Promise<boolean> {
  return isWellFormedToken(token) && (await countUsers(ctx.db)) === 0 && (await isSetupTokenLive(ctx.db, hashToken(token), ctx.now()));
}

export async function completeFirstRunSetup(
  ctx: ServiceContext,
  token: unknown,
  input: { orgName: unknown; name: unknown; email: unknown; password: unknown; confirmation: unknown },
): Promise<{ userId: string }> {
  if (!(await isSetupLinkValid(ctx, token))) throw new TwofoldError((await countUsers(ctx.db)) > 0 ? 'setup_already_done' : 'setup_link_invalid');
  if (input.password !== input.confirmation) throw new TwofoldError('passwords_do_not_match');
  // Only the transaction that claimed the link goes on to create anyone.
  return inTransaction(ctx, async (tx) => {
    if (!(await claimSetupToken(tx.db, hashToken(token as string)))) throw new TwofoldError('setup_link_invalid');
    const org = await createOrganization(tx, { name: input.orgName });
    const user = await createUser(tx, { email: input.email, name: input.name, orgName: org.name, role: 'admin', password: input.password });
    return { userId: user.id };
  });
}

/** Someone has an account: a setup link can never work again (a restart prints none). */
export async function isSetUp(ctx: ServiceContext): Promise<boolean> {
  return (await countUsers(ctx.db)) > 0;
}
