// A passkey or security key as the code step's second factor: the "code" is the JSON
// answer the page's script put in the form.
import { checkPasskeyAssertion } from '../passkey-sign-in.js';
import type { CodeVerifier } from './factors.js';

export const passkeyVerifier: CodeVerifier = {
  how: 'password and passkey or security key',
  signedInEvent: 'signed_in',
  async check(ctx, { user, attemptId, typed, nowMs }) {
    const check = await checkPasskeyAssertion(ctx, { userId: user.id, attemptId, responseJson: typed, nowMs });
    if (check.valid) return { valid: true, method: check.method };
    // Not `replayed`: a used-up challenge and one left past its 5 minutes look the same here.
    return { valid: false, error: check.error, replayed: false, codeDead: false };
  },
};
