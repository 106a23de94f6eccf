// NIST SP 800-63B: length and a strength estimate, no composition rules.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

export const MIN_PASSWORD_LENGTH = 12;
/** Longer passwords are refused before hashing: argon2 work must not grow with input. */
export const MAX_PASSWORD_LENGTH = 128;
/** zxcvbn's 0-4 scale; 3 is "safely unguessable: moderate protection from offline attack". */
const MIN_STRENGTH_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
function strengthEstimator(): ZxcvbnFactory {
  // Built on first use: loading the dictionaries takes a moment we need not pay at import.
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return estimator;
}

export type PasswordVerdict =
  | { acceptable: true }
  | { acceptable: false; problem: 'password_too_short' | 'password_too_long' | 'password_too_weak'; suggestion?: string };

/** `relatedWords` are the user's own name and email: a password made of them is weak. */
export function judgeNewPassword(password: string, relatedWords: string[]): PasswordVerdict {
  if ([...password].length < MIN_PASSWORD_LENGTH) return { acceptable: false, problem: 'password_too_short' };
  if (password.length > MAX_PASSWORD_LENGTH) return { acceptable: false, problem: 'password_too_long' };
  const words = relatedWords.flatMap((w) => w.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length >= 3);
  const result = strengthEstimator().check(password, words);
  if (result.score >= MIN_STRENGTH_SCORE) return { acceptable: true };
  const suggestion = result.feedback.warning || result.feedback.suggestions[0];
  return suggestion ? { acceptable: false, problem: 'password_too_weak', suggestion } : { acceptable: false, problem: 'password_too_weak' };
}
