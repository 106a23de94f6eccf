// NIST SP 800-63B: length and a strength estimate, no composition rules.
import { createRequire } from 'node:module';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import type * as Common from '@zxcvbn-ts/language-common';
import type * as En from '@zxcvbn-ts/language-en';

export const MIN_PASSWORD_LENGTH = 12;
/** Longer passwords are refused before hashing: argon2 work must not grow with input. */
export const MAX_PASSWORD_LENGTH = 128;
/** zxcvbn's 0-4 scale; 3 is "safely unguessable: moderate protection from offline attack". */
const MIN_STRENGTH_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
function strengthEstimator(): ZxcvbnFactory {
  if (estimator) return estimator;
  // The dictionaries are loaded on first use, not at import: they take 13 MiB of heap
  // that a server only signing people in never needs (required, so this stays synchronous).
  const require = createRequire(import.meta.url);
  const common = require('@zxcvbn-ts/language-common') as typeof Common;
  const en = require('@zxcvbn-ts/language-en') as typeof En;
  estimator = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return estimator;
}

export type PasswordVerdict =
  | { acceptable: true }
  | { acceptable: false; problem: 'password_too_short' | 'password_too_long' | 'password_too_weak' | 'password_too_personal'; suggestion?: string };

/**
 * zxcvbn's user inputs from `relatedWords` (the person's name, email, organisations):
 * each word, and each phrase run together ("Sam Lee" → "samlee"), since people type
 * them without spaces.
 */
export function userInputsFrom(relatedWords: string[]): string[] {
  const words = new Set<string>();
  for (const phrase of relatedWords) {
    const parts = phrase.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
    for (const part of parts) if (part.length >= 3) words.add(part);
    if (parts.length > 1) words.add(parts.join(''));
  }
  return [...words];
}

/** Letters a password must have beyond the person's own words, digits and symbols. */
const MIN_OWN_LETTERS = 8;

/**
 * "Bondi Home Loans 2026" for someone at Bondi Home Loans: zxcvbn rates it as three
 * words and a year, yet it is the first thing anyone would try. What remains once the
 * person's words, the digits and the symbols are taken out must be a phrase of its own.
 */
function isMadeOfWords(password: string, words: string[]): boolean {
  let rest = password.toLowerCase().replace(/[^\p{L}]+/gu, '');
  for (const word of [...words].sort((a, b) => b.length - a.length)) if (!/^[0-9]+$/.test(word)) rest = rest.split(word).join('');
  return [...rest].length < MIN_OWN_LETTERS;
}

/** `relatedWords` are about the person (name, email, organisations): a password made of them is weak. */
export function judgeNewPassword(password: string, relatedWords: string[]): PasswordVerdict {
  if ([...password].length < MIN_PASSWORD_LENGTH) return { acceptable: false, problem: 'password_too_short' };
  if (password.length > MAX_PASSWORD_LENGTH) return { acceptable: false, problem: 'password_too_long' };
  const words = userInputsFrom(relatedWords);
  if (isMadeOfWords(password, words)) return { acceptable: false, problem: 'password_too_personal' };
  const result = strengthEstimator().check(password, words);
  if (result.score >= MIN_STRENGTH_SCORE) return { acceptable: true };
  const suggestion = result.feedback.warning || result.feedback.suggestions[0];
  return suggestion ? { acceptable: false, problem: 'password_too_weak', suggestion } : { acceptable: false, problem: 'password_too_weak' };
}
