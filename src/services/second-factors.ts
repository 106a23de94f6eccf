// What goes with a person's second factor when 2FA is removed or reset by an admin:
// every passkey and security key, the recovery codes (and their shown copy), and a
// set-up proved but not yet turned on.
import { deletePasskeysOf } from '../store/passkeys.js';
import { deleteRecoveryCodeReveal, deleteRecoveryCodes } from '../store/recovery-codes.js';
import { deleteTwoFactorActivation } from '../store/two-factor-activations.js';
import type { ServiceContext } from './context.js';

/** Call inside the transaction that removes the factor. */
export async function forgetSecondFactorLeftovers(tx: ServiceContext, userId: string): Promise<void> {
  await deleteRecoveryCodes(tx.db, userId);
  await deleteRecoveryCodeReveal(tx.db, userId);
  await deleteTwoFactorActivation(tx.db, userId);
  await deletePasskeysOf(tx.db, userId);
}
