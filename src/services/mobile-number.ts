// A typed mobile number, accepted as E.164 or refused with what is wrong with it.
import { checkAustralianMobile } from '../domain/phone.js';
import { TwofoldError } from '../errors.js';

export function requireAustralianMobile(typed: unknown): string {
  const checked = checkAustralianMobile(typed);
  if ('refusal' in checked) throw new TwofoldError(checked.refusal);
  return checked.mobile;
}
