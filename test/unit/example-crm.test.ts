// Harbour CRM's own rules (examples/crm), without a Twofold: an answer from Twofold only
// finishes the sign-in this browser started, once and in time; amr read as words.
import { describe, expect, it } from 'vitest';
import { CrmMemory } from '../../examples/crm/memory.js';
import { describeAcr, describeMethods } from '../../examples/crm/views.js';

describe('Harbour CRM memory', () => {
  const pending = (browserId: string, state: string) => ({ browserId, state, codeVerifier: 'v', nonce: 'n', wantsTwoFactors: false });

  it('finishes a sign-in only in the browser that started it (login CSRF), and only once (replay)', () => {
    const memory = new CrmMemory();
    memory.addPending(pending('browser-a', 'state-1'));
    expect(memory.takePending('state-1', 'browser-b')).toBeNull();
    expect(memory.takePending('state-1', 'browser-a')).toMatchObject({ state: 'state-1' });
    expect(memory.takePending('state-1', 'browser-a')).toBeNull();
    expect(memory.takePending(undefined, 'browser-a')).toBeNull();
  });

  it('forgets a sign-in after 10 minutes and a session after 8 hours', () => {
    let now = 1_000_000;
    const memory = new CrmMemory(() => now);
    memory.addPending(pending('browser-a', 'state-1'));
    memory.setSession('browser-a', { claims: { sub: 'x' }, idToken: 't' });
    now += 10 * 60_000 + 1;
    expect(memory.takePending('state-1', 'browser-a')).toBeNull();
    expect(memory.session('browser-a')).not.toBeNull();
    now += 8 * 60 * 60_000;
    expect(memory.session('browser-a')).toBeNull();
  });

  it('ends a session once', () => {
    const memory = new CrmMemory();
    memory.setSession('browser-a', { claims: {}, idToken: 't' });
    expect(memory.endSession('browser-a')).toMatchObject({ idToken: 't' });
    expect(memory.session('browser-a')).toBeNull();
    expect(memory.endSession('browser-a')).toBeNull();
  });
});

describe('Harbour CRM words for amr and acr', () => {
  it('says each factor, and two factors when Twofold says mfa', () => {
    expect(describeMethods(['pwd'])).toBe('password');
    expect(describeMethods(['pwd', 'sms', 'mfa'])).toBe('password + code by text message: two factors');
    expect(describeMethods(['swk', 'mfa'])).toBe('passkey: two factors');
    expect(describeMethods([])).toBe('not said');
    expect(describeAcr('urn:twofold:acr:2fa')).toBe('two factors');
    expect(describeAcr('urn:twofold:acr:1fa')).toBe('one factor');
    expect(describeAcr('')).toBe('unknown');
  });
});
