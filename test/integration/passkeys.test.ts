// Passkeys and security keys at the service level, once per database, answered by a
// software authenticator (real keys, real signatures) checked by @simplewebauthn/server.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_PASSKEYS_PER_USER, PASSKEY_SIGN_INS_PER_IP, WEBAUTHN_CHALLENGE_LIFETIME_IN_MS } from '../../src/domain/passkeys.js';
import type { ServiceContext } from '../../src/services/context.js';
import { checkPasskeyAssertion, completePasskeySignIn, finishPasskeySignIn, startPasskeySecondFactor, startPasskeySignIn } from '../../src/services/passkey-sign-in.js';
import {
  countPasskeys,
  deletePasskey,
  finishPasskeyRegistration,
  listPasskeys,
  purgeExpiredPasskeyChallenges,
  renamePasskey,
  startPasskeyRegistration,
} from '../../src/services/passkeys.js';
import { completeSignInWithCode } from '../../src/services/sign-in/code-step.js';
import { findPendingSignIn } from '../../src/services/sign-in/pending.js';
import { signInWithPassword } from '../../src/services/sign-in/password-step.js';
import { findPasskey } from '../../src/store/passkeys.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { TestClock } from '../helpers/clock.js';
import { type TestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { type TestUser, createTestUser } from '../helpers/fixtures.js';
import { testServices } from '../helpers/server.js';

const ORIGIN = 'https://twofold.example';
const meta = { ip: '203.0.113.9', userAgent: 'passkey test' };

describeEachDatabase('passkeys', (database: TestDatabase) => {
  let created: Awaited<ReturnType<TestDatabase['create']>>;
  let services: ServiceContext;
  let clock: TestClock;
  beforeAll(async () => {
    created = await database.create();
    clock = new TestClock();
    services = testServices(created.store, clock, { PUBLIC_URL: `${ORIGIN}/` });
  });
  afterAll(async () => created?.destroy());

  let sessions = 0;
  const newSessionId = () => `session-${++sessions}`;

  /** A person with one key registered from session `sessionId`. */
  async function withKey(options: { alwaysZero?: boolean } = {}): Promise<{ user: TestUser; key: SoftwareAuthenticator }> {
    const user = await createTestUser(services);
    const key = new SoftwareAuthenticator(ORIGIN, options);
    const sessionId = newSessionId();
    const creation = await startPasskeyRegistration(services, user.id, sessionId);
    await finishPasskeyRegistration(services, user.id, sessionId, key.register(creation), 'My key', meta);
    return { user, key };
  }

  const eventsOf = (userId: string, type: string) => services.db.selectFrom('security_events').selectAll().where('user_id', '=', userId).where('type', '=', type as never).execute();
  const secondFactor = async (user: TestUser, key: SoftwareAuthenticator, attemptId: string, overrides = {}) =>
    checkPasskeyAssertion(services, { userId: user.id, attemptId, responseJson: key.answer(await startPasskeySecondFactor(services, attemptId, user.id), overrides), nowMs: clock.now() });

  it('registers a key under a random user handle, excluding the keys already there, without turning 2FA on', async () => {
    const user = await createTestUser(services);
    const sessionId = newSessionId();
    const creation = await startPasskeyRegistration(services, user.id, sessionId);
    expect(creation.rp).toEqual({ id: 'twofold.example', name: services.issuer });
    expect(creation.attestation).toBe('none');
    expect(creation.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true });
    expect(creation.user.name).toBe(user.email);
    expect(Buffer.from(creation.user.id, 'base64url')).toHaveLength(32);
    expect(creation.user.id).not.toBe(Buffer.from(user.id).toString('base64url'));
    expect(creation.excludeCredentials).toEqual([]);

    const key = new SoftwareAuthenticator(ORIGIN);
    const id = await finishPasskeyRegistration(services, user.id, sessionId, key.register(creation), '  Blue\u0000 key\n on my   keyring ', meta);
    expect(id).toBe(key.credentialId);
    expect(await findPasskey(services.db, id)).toMatchObject({ user_id: user.id, name: 'Blue key on my keyring', sign_count: 0, transports: '["usb"]', device_type: 'singleDevice', backed_up: 0 });
    expect(await findTwoFactor(services.db, user.id)).toBeUndefined();
    expect(await eventsOf(user.id, 'passkey_added')).toHaveLength(1);

    // The same handle for the next key, and the first key excluded.
    const again = await startPasskeyRegistration(services, user.id, sessionId);
    expect(again.user.id).toBe(creation.user.id);
    expect(again.excludeCredentials).toEqual([{ id: key.credentialId, type: 'public-key', transports: ['usb'] }]);
  });

  it('uses a registration challenge once, only from the session that started it, and only for 5 minutes', async () => {
    const user = await createTestUser(services);
    const sessionId = newSessionId();
    const key = new SoftwareAuthenticator(ORIGIN);
    const answer = key.register(await startPasskeyRegistration(services, user.id, sessionId));
    await expect(finishPasskeyRegistration(services, user.id, newSessionId(), answer, 'x', meta)).rejects.toMatchObject({ code: 'passkey_request_expired' });
    const other = await createTestUser(services);
    await expect(finishPasskeyRegistration(services, other.id, sessionId, answer, 'x', meta)).rejects.toMatchObject({ code: 'passkey_request_expired' });
    await finishPasskeyRegistration(services, user.id, sessionId, answer, 'x', meta);
    await expect(finishPasskeyRegistration(services, user.id, sessionId, answer, 'x', meta)).rejects.toMatchObject({ code: 'passkey_request_expired' });

    const late = new SoftwareAuthenticator(ORIGIN).register(await startPasskeyRegistration(services, user.id, sessionId));
    clock.advance(WEBAUTHN_CHALLENGE_LIFETIME_IN_MS);
    await expect(finishPasskeyRegistration(services, user.id, sessionId, late, 'x', meta)).rejects.toMatchObject({ code: 'passkey_request_expired' });
    expect(await countPasskeys(services, user.id)).toBe(1);
  });

  it('refuses a registration made for another origin or RP id, and a key already on an account', async () => {
    const user = await createTestUser(services);
    const sessionId = newSessionId();
    const key = new SoftwareAuthenticator(ORIGIN);
    await expect(finishPasskeyRegistration(services, user.id, sessionId, key.register(await startPasskeyRegistration(services, user.id, sessionId), { origin: 'https://twofold.example.evil.test' }), 'x', meta)).rejects.toMatchObject({ code: 'passkey_failed' });
    await expect(finishPasskeyRegistration(services, user.id, sessionId, key.register(await startPasskeyRegistration(services, user.id, sessionId), { rpId: 'evil.test' }), 'x', meta)).rejects.toMatchObject({ code: 'passkey_failed' });
    await expect(finishPasskeyRegistration(services, user.id, sessionId, '{"id":', 'x', meta)).rejects.toMatchObject({ code: 'passkey_failed' });
    expect(await countPasskeys(services, user.id)).toBe(0);

    const { key: theirs } = await withKey();
    await expect(finishPasskeyRegistration(services, user.id, sessionId, theirs.register(await startPasskeyRegistration(services, user.id, sessionId)), 'x', meta)).rejects.toMatchObject({ code: 'passkey_already_added' });
  });

  it('accepts the person’s own key as the second factor, counting its use', async () => {
    const { user, key } = await withKey();
    const options = await startPasskeySecondFactor(services, 'attempt-own', user.id);
    expect(options.allowCredentials).toEqual([{ id: key.credentialId, type: 'public-key', transports: ['usb'] }]);
    clock.advance(1000);
    const check = await checkPasskeyAssertion(services, { userId: user.id, attemptId: 'attempt-own', responseJson: key.answer(options), nowMs: clock.now() });
    expect(check).toEqual({ valid: true, credentialId: key.credentialId, method: 'hwk' });
    expect(await findPasskey(services.db, key.credentialId)).toMatchObject({ sign_count: 1, last_used_at: clock.now() });
    // The same answer again: its challenge is used up.
    expect(await checkPasskeyAssertion(services, { userId: user.id, attemptId: 'attempt-own', responseJson: key.answer(options), nowMs: clock.now() })).toEqual({ valid: false, error: 'passkey_request_expired' });
  });

  it("refuses another person's key, another attempt's challenge, and another origin at the second-factor step", async () => {
    const { user } = await withKey();
    const { key: someoneElses } = await withKey();
    expect(await secondFactor(user, someoneElses, 'attempt-a')).toEqual({ valid: false, error: 'passkey_failed' });

    const { user: owner, key } = await withKey();
    const options = await startPasskeySecondFactor(services, 'attempt-b', owner.id);
    expect(await checkPasskeyAssertion(services, { userId: owner.id, attemptId: 'attempt-c', responseJson: key.answer(options), nowMs: clock.now() })).toEqual({ valid: false, error: 'passkey_request_expired' });
    expect(await secondFactor(owner, key, 'attempt-d', { origin: 'https://evil.test' })).toEqual({ valid: false, error: 'passkey_failed' });
    expect(await secondFactor(owner, key, 'attempt-e', { rpId: 'evil.test' })).toEqual({ valid: false, error: 'passkey_failed' });
    expect(await eventsOf(owner.id, 'passkey_failed')).toHaveLength(2);
    expect(await secondFactor(owner, key, 'attempt-f')).toMatchObject({ valid: true });
  });

  it('refuses a copied key whose counter did not move forward, logs it, and keeps the real key working', async () => {
    const { user, key } = await withKey();
    expect(await secondFactor(user, key, 'attempt-1')).toMatchObject({ valid: true });
    const copy = key.clone();
    expect(await secondFactor(user, key, 'attempt-2')).toMatchObject({ valid: true });
    expect(await findPasskey(services.db, key.credentialId)).toMatchObject({ sign_count: 2 });
    // The copy reports 2, as the real key did last: not greater than what is stored.
    expect(await secondFactor(user, copy, 'attempt-3')).toEqual({ valid: false, error: 'passkey_clone_suspected' });
    expect(await eventsOf(user.id, 'passkey_clone_suspected')).toHaveLength(1);
    expect(await findPasskey(services.db, key.credentialId)).toMatchObject({ sign_count: 2 });
    expect(await secondFactor(user, key, 'attempt-4')).toMatchObject({ valid: true });
  });

  it('keeps a key that always reports 0 (a synced passkey) working', async () => {
    const { user, key } = await withKey({ alwaysZero: true });
    for (const attempt of ['zero-1', 'zero-2', 'zero-3']) expect(await secondFactor(user, key, attempt)).toMatchObject({ valid: true });
    expect(await findPasskey(services.db, key.credentialId)).toMatchObject({ sign_count: 0 });
  });

  it('lets one of two copies racing with the same counter through, not both', async () => {
    const { user, key } = await withKey();
    const copy = key.clone();
    const [first, second] = await Promise.all([secondFactor(user, key, 'race-1'), secondFactor(user, copy, 'race-2')]);
    expect([first.valid, second.valid].sort()).toEqual([false, true]);
  });

  it('signs in with a passkey alone: only with user verification, the browser that asked, and the key’s own user handle', async () => {
    const { user, key } = await withKey();
    const start = await startPasskeySignIn(services, meta);
    expect(start.options.userVerification).toBe('required');
    expect(start.options.allowCredentials ?? []).toEqual([]);
    expect(await finishPasskeySignIn(services, start.browserToken, key.answer(start.options), meta)).toEqual({ userId: user.id, credentialId: key.credentialId });

    const noVerification = await startPasskeySignIn(services, meta);
    await expect(finishPasskeySignIn(services, noVerification.browserToken, key.answer(noVerification.options, { userVerified: false }), meta)).rejects.toMatchObject({ code: 'passkey_failed' });

    const otherBrowser = await startPasskeySignIn(services, meta);
    const mine = await startPasskeySignIn(services, meta);
    await expect(finishPasskeySignIn(services, otherBrowser.browserToken, key.answer(mine.options), meta)).rejects.toMatchObject({ code: 'passkey_request_expired' });

    const { user: other } = await withKey();
    const otherHandle = (await startPasskeyRegistration(services, other.id, newSessionId())).user.id;
    const lying = await startPasskeySignIn(services, meta);
    await expect(finishPasskeySignIn(services, lying.browserToken, key.answer(lying.options, { userHandle: otherHandle }), meta)).rejects.toMatchObject({ code: 'passkey_failed' });

    const wrongOrigin = await startPasskeySignIn(services, meta);
    await expect(finishPasskeySignIn(services, wrongOrigin.browserToken, key.answer(wrongOrigin.options, { origin: 'http://twofold.example' }), meta)).rejects.toMatchObject({ code: 'passkey_failed' });

    const done = await startPasskeySignIn(services, meta);
    const signedIn = await completePasskeySignIn(services, done.browserToken, key.answer(done.options), meta);
    expect(signedIn.userId).toBe(user.id);
    expect(signedIn.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a copied key at passwordless sign-in too, and the log entry survives the refusal', async () => {
    const { user, key } = await withKey();
    const copy = key.clone();
    const first = await startPasskeySignIn(services, meta);
    await completePasskeySignIn(services, first.browserToken, key.answer(first.options), meta);
    const second = await startPasskeySignIn(services, meta);
    await expect(completePasskeySignIn(services, second.browserToken, copy.answer(second.options), meta)).rejects.toMatchObject({ code: 'passkey_clone_suspected' });
    expect(await eventsOf(user.id, 'passkey_clone_suspected')).toHaveLength(1);
  });

  it('is the second factor of the real code step for a person whose method is webauthn', async () => {
    const { user, key } = await withKey();
    await services.db.insertInto('two_factor').values({ user_id: user.id, method: 'webauthn', totp_secret: null, last_used_step: null, enabled_at: clock.now() }).execute();
    const password = await signInWithPassword(services, { email: user.email, password: user.password, rememberedDeviceToken: undefined }, meta);
    if (password.outcome !== 'code_required') throw new Error(`expected the code step, got ${password.outcome}`);
    const pending = (await findPendingSignIn(services, password.attemptToken))!;
    expect(pending.method).toBe('webauthn');
    const { user: stranger, key: strangersKey } = await withKey();
    expect(stranger.id).not.toBe(user.id);
    const refused = await completeSignInWithCode(services, { attemptToken: password.attemptToken, code: strangersKey.answer(await startPasskeySecondFactor(services, pending.attemptId, user.id)) }, meta);
    expect(refused).toMatchObject({ outcome: 'refused', error: { code: 'passkey_failed' } });
    const result = await completeSignInWithCode(services, { attemptToken: password.attemptToken, code: key.answer(await startPasskeySecondFactor(services, pending.attemptId, user.id)) }, meta);
    expect(result).toMatchObject({ outcome: 'signed_in', userId: user.id });
  });

  it('lists, renames and removes only the person’s own keys', async () => {
    const { user, key } = await withKey();
    const { user: other, key: othersKey } = await withKey();
    const sessionId = newSessionId();
    const second = new SoftwareAuthenticator(ORIGIN);
    clock.advance(1);
    await finishPasskeyRegistration(services, user.id, sessionId, second.register(await startPasskeyRegistration(services, user.id, sessionId)), '', meta);
    expect((await listPasskeys(services, user.id)).map((p) => [p.id, p.name])).toEqual([
      [key.credentialId, 'My key'],
      [second.credentialId, 'Passkey'],
    ]);
    await renamePasskey(services, user.id, second.credentialId, 'Spare key', meta);
    await expect(renamePasskey(services, user.id, second.credentialId, ' \n ', meta)).rejects.toMatchObject({ code: 'passkey_name_invalid' });
    await expect(renamePasskey(services, user.id, othersKey.credentialId, 'mine now', meta)).rejects.toMatchObject({ code: 'passkey_not_found' });
    await expect(deletePasskey(services, user.id, othersKey.credentialId, meta)).rejects.toMatchObject({ code: 'passkey_not_found' });
    expect(await countPasskeys(services, other.id)).toBe(1);
    expect(await deletePasskey(services, user.id, key.credentialId, meta)).toBe(1);
    expect((await listPasskeys(services, user.id)).map((p) => p.name)).toEqual(['Spare key']);
    // A removed key signs in no more.
    const start = await startPasskeySignIn(services, meta);
    await expect(finishPasskeySignIn(services, start.browserToken, key.answer(start.options), meta)).rejects.toMatchObject({ code: 'passkey_failed' });
    expect(await eventsOf(user.id, 'passkey_removed')).toHaveLength(1);
    expect(await eventsOf(user.id, 'passkey_renamed')).toHaveLength(1);
  });

  it('stops at 20 keys', async () => {
    const user = await createTestUser(services);
    const sessionId = newSessionId();
    for (let i = 0; i < MAX_PASSKEYS_PER_USER; i++) {
      await finishPasskeyRegistration(services, user.id, sessionId, new SoftwareAuthenticator(ORIGIN).register(await startPasskeyRegistration(services, user.id, sessionId)), `k${i}`, meta);
    }
    await expect(startPasskeyRegistration(services, user.id, sessionId)).rejects.toMatchObject({ code: 'passkey_limit_reached' });
  });

  it('bounds how often one network may start a passkey sign-in', async () => {
    const crowd = { ip: '198.51.100.77', userAgent: 'script' };
    for (let i = 0; i < PASSKEY_SIGN_INS_PER_IP.max; i++) await startPasskeySignIn(services, crowd);
    await expect(startPasskeySignIn(services, crowd)).rejects.toMatchObject({ code: 'passkey_sign_ins_rate_limited' });
    await startPasskeySignIn(services, { ...crowd, ip: '198.51.100.78' });
    clock.advance(PASSKEY_SIGN_INS_PER_IP.windowInMs);
    await startPasskeySignIn(services, crowd);
  });

  it('purges challenges nobody answered', async () => {
    const user = await createTestUser(services);
    // What the other tests left behind goes first.
    clock.advance(WEBAUTHN_CHALLENGE_LIFETIME_IN_MS);
    await purgeExpiredPasskeyChallenges(services);
    const options = await startPasskeySecondFactor(services, 'attempt-purge', user.id);
    await startPasskeySignIn(services, meta);
    expect(await purgeExpiredPasskeyChallenges(services)).toBe(0);
    clock.advance(WEBAUTHN_CHALLENGE_LIFETIME_IN_MS);
    expect(await purgeExpiredPasskeyChallenges(services)).toBe(2);
    expect(options.challenge).toBeTruthy();
  });
});
