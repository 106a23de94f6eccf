// `twofold secret rotate` on each database, with real processes: a person with an
// authenticator app and recovery codes, one with a passkey, an app (OpenID client) with a
// secret, the signing keys, a set-up in progress and a live SMS code; rotate; a server
// with the new secret signs them all in and the app's ID token verifies with the keys
// published before; a server with the old secret refuses to start; a wrong old secret,
// or one value that does not open with it, changes nothing.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { deriveServerKeys } from '../../src/crypto/server-key.js';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { createServiceContext } from '../../src/runtime.js';
import type { ServiceContext } from '../../src/services/context.js';
import { requireCurrentMasterSecret, settleServerKeys } from '../../src/services/master-secret.js';
import { addClient } from '../../src/services/oidc/clients.js';
import { finishPasskeyRegistration, startPasskeyRegistration } from '../../src/services/passkeys.js';
import { confirmTotpEnrollment, startTotpEnrollment } from '../../src/services/two-factor.js';
import { openStore, type Store } from '../../src/store/db.js';
import { replaceSmsCode } from '../../src/store/sms-codes.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { TestClient } from '../helpers/client.js';
import { type TestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { type TestUser, createTestUser } from '../helpers/fixtures.js';
import { CALLBACK, exchangeCode, oidc, signInThroughApp, startAuthorization } from '../helpers/oidc.js';
import { runCli, startServerProcess, stopProcess } from '../helpers/processes.js';
import { personWithApp, signInWithPasswordAndApp, untilStepHasTimeLeft } from '../helpers/real-time.js';
import { TEST_SECRET, freePort } from '../helpers/server.js';

const NEW_SECRET = 'the-new-master-secret-after-the-leak-0123456789';
const WRONG_SECRET = 'not-the-secret-at-all-not-the-secret-at-all-0000';

/** What the services of a node started with `secret` run with (the settled keys: the stored recovery-code key). */
async function servicesWith(store: Store, secret: string, publicUrl: string): Promise<ServiceContext> {
  const config = loadConfig({ TWOFOLD_SECRET: secret, DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent', PUBLIC_URL: publicUrl });
  const keys = await settleServerKeys(store.db, deriveServerKeys(secret), Date.now());
  return createServiceContext(config, store, keys);
}

/** Every sealed value and hash that a rotation touches or must not touch, to compare before and after. */
async function snapshot(store: Store) {
  const all = async (table: string, order: string) => (await store.db.selectFrom(table as never).selectAll().orderBy(order as never).execute()) as unknown[];
  return {
    two_factor: await all('two_factor', 'user_id'),
    totp_enrollments: await all('totp_enrollments', 'user_id'),
    oidc_clients: await all('oidc_clients', 'client_id'),
    oidc_signing_keys: await all('oidc_signing_keys', 'kid'),
    server_keys: await all('server_keys', 'purpose'),
    recovery_codes: await all('recovery_codes', 'id'),
    sms_codes: await all('sms_codes', 'id'),
  };
}

describeEachDatabase('rotating TWOFOLD_SECRET', (database: TestDatabase) => {
  let created: Awaited<ReturnType<TestDatabase['create']>>;
  let store: Store;
  let port: number;
  let publicUrl: string;
  let services: ServiceContext;
  let person: TestUser;
  let withPasskey: TestUser;
  let key: SoftwareAuthenticator;
  let app: { clientId: string; clientSecret: string };
  let settingUp: { userId: string; secret: Uint8Array };
  let jwksBefore: { keys: Array<{ kid: string }> };
  const servers: ChildProcess[] = [];

  const env = (secret: string): Record<string, string> => ({ DATABASE_URL: created.url, TWOFOLD_SECRET: secret });
  async function startServer(secret: string): Promise<string> {
    const started = await startServerProcess({ ...env(secret), PORT: String(port), PUBLIC_URL: publicUrl }, [/Server listening at/]);
    servers.push(started.child);
    return publicUrl;
  }
  async function stopServers(): Promise<void> {
    for (const child of servers.splice(0)) await stopProcess(child);
  }
  afterEach(stopServers);

  /** On SQLite the CLI needs the database to itself (as restore does): this process lets go of it. */
  async function letGo(): Promise<void> {
    if (database.name === 'sqlite') await store.close();
  }
  function reopen(): void {
    if (database.name === 'sqlite') store = openStore(created.url);
  }

  beforeAll(async () => {
    created = await database.create();
    store = created.store;
    port = await freePort();
    publicUrl = `http://localhost:${port}`;
    services = await servicesWith(store, TEST_SECRET, publicUrl);
    Object.assign(services, { now: () => Date.now() });
    person = await personWithApp(services);
    withPasskey = await createTestUser(services);
    key = new SoftwareAuthenticator(publicUrl);
    await finishPasskeyRegistration(services, withPasskey.id, 'setup-session', key.register(await startPasskeyRegistration(services, withPasskey.id, 'setup-session')), 'Desk key', { ip: '127.0.0.1', userAgent: 'test' });
    const client = await addClient(services, { name: 'Harbour CRM', redirectUris: [CALLBACK] });
    app = { clientId: client.clientId, clientSecret: client.clientSecret! };
    const pending = await createTestUser(services);
    const enrollment = await startTotpEnrollment(services, pending.id);
    settingUp = { userId: pending.id, secret: secretFromBase32(enrollment.secretForManualEntry.replace(/ /g, '')) };
    await replaceSmsCode(store.db, { id: 'live-sms-code', user_id: person.id, purpose: 'sign_in', attempt_id: null, code_hash: 'hmac-under-the-old-key', mobile: '+61412345678', created_at: Date.now(), expires_at: Date.now() + 600_000 });
    // The keys apps have cached: published by a server with the old secret (which makes the signing keys).
    await startServer(TEST_SECRET);
    jwksBefore = (await (await fetch(`${publicUrl}/oidc/jwks`)).json()) as typeof jwksBefore;
    await stopServers();
  });
  afterAll(async () => {
    await stopServers();
    if (database.name === 'sqlite') await store.close();
    await created?.destroy();
  });

  it('a wrong old secret changes nothing, and says so', async () => {
    const before = await snapshot(store);
    await letGo();
    const wrong = await runCli(['secret', 'rotate'], { ...env(WRONG_SECRET), TWOFOLD_NEW_SECRET: NEW_SECRET });
    reopen();
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('TWOFOLD_SECRET is not the secret this database is sealed with');
    expect(wrong.stderr).toContain('Nothing was changed.');
    expect(await snapshot(store)).toEqual(before);
  });

  it('one value that does not open with the old secret (sealed by a stale node) stops the whole rotation, naming its table', async () => {
    // A signing key: its table comes after the TOTP secrets and client secrets, so a
    // rotation that wrote as it went would have changed those before meeting it.
    const row = await store.db.selectFrom('oidc_signing_keys').select(['kid', 'private_jwk_sealed']).orderBy('kid').executeTakeFirstOrThrow();
    const stale = new SecretBox(deriveServerKeys(WRONG_SECRET).totpEncryption).seal(Buffer.from('{}'), `oidc-signing-key:${row.kid}`);
    await store.db.updateTable('oidc_signing_keys').set({ private_jwk_sealed: stale }).where('kid', '=', row.kid).execute();
    const before = await snapshot(store);
    await letGo();
    const refused = await runCli(['secret', 'rotate'], { ...env(TEST_SECRET), TWOFOLD_NEW_SECRET: NEW_SECRET });
    reopen();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Some stored values do not open with the old secret (oidc_signing_keys: 1 of 2)');
    expect(await snapshot(store)).toEqual(before);
    await store.db.updateTable('oidc_signing_keys').set({ private_jwk_sealed: row.private_jwk_sealed }).where('kid', '=', row.kid).execute();
  });

  it('refuses a new secret given as an argument, a short one, or the same one', async () => {
    await letGo();
    expect((await runCli(['secret', 'rotate', NEW_SECRET], env(TEST_SECRET))).code).toBe(2);
    expect((await runCli(['secret', 'rotate'], env(TEST_SECRET))).stderr).toContain('TWOFOLD_NEW_SECRET (the new secret) is not set, and there is no terminal to ask on');
    expect((await runCli(['secret', 'rotate'], { ...env(TEST_SECRET), TWOFOLD_NEW_SECRET: 'short' })).stderr).toContain('at least 32 characters');
    expect((await runCli(['secret', 'rotate'], { ...env(TEST_SECRET), TWOFOLD_NEW_SECRET: TEST_SECRET })).stderr).toContain('same as the old one');
    reopen();
  });

  if (database.name === 'sqlite') {
    it('on SQLite, refuses while a server has the database open', async () => {
      await startServer(TEST_SECRET);
      await letGo();
      const refused = await runCli(['secret', 'rotate'], { ...env(TEST_SECRET), TWOFOLD_NEW_SECRET: NEW_SECRET });
      reopen();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('Something has');
    });
  }

  it('rotates: the new secret signs in with app, recovery code and passkey, the app authenticates and its ID token verifies with the keys published before; the old secret cannot start a server', async () => {
    const before = await snapshot(store);
    await letGo();
    const rotated = await runCli(['secret', 'rotate'], { ...env(TEST_SECRET), TWOFOLD_NEW_SECRET: NEW_SECRET });
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    expect(rotated.stdout).toMatch(/ 1 {2}authenticator app secrets\n/);
    expect(rotated.stdout).toMatch(/ 1 {2}app set-ups in progress\n/);
    expect(rotated.stdout).toMatch(/ 1 {2}app client secrets\n/);
    expect(rotated.stdout).toMatch(/ 2 {2}ID-token signing keys\n/);
    expect(rotated.stdout).toContain('Voided 1 SMS code(s) not yet used');
    reopen();
    const after = await snapshot(store);
    // Every sealed value changed; the recovery codes' hashes did not (they survive); the SMS code is gone.
    for (const table of ['two_factor', 'totp_enrollments', 'oidc_clients', 'oidc_signing_keys', 'server_keys'] as const) {
      expect(after[table]).toHaveLength(before[table].length);
      expect(after[table], table).not.toEqual(before[table]);
    }
    expect(after.recovery_codes).toEqual(before.recovery_codes);
    expect(after.sms_codes).toEqual([]);

    // The old secret: the server refuses to start, saying why.
    await expect(startServerProcess({ ...env(TEST_SECRET), PORT: String(port), PUBLIC_URL: publicUrl }, [/Server listening at/])).rejects.toThrow(/exited with 1[\s\S]*TWOFOLD_SECRET is not the secret this database is sealed with/);
    // ...and so does the CLI.
    expect((await runCli(['user', 'list'], env(TEST_SECRET))).stderr).toContain('TWOFOLD_SECRET is not the secret this database is sealed with');

    const url = await startServer(NEW_SECRET);
    const browser = await signInWithPasswordAndApp(url, person);

    // A recovery code saved before the rotation still signs in.
    const withCode = new TestClient(url);
    await withCode.get('/sign-in');
    expect((await withCode.post('/sign-in', { email: person.email, password: person.password })).location).toBe('/sign-in/code');
    await withCode.get('/sign-in/recovery-code');
    expect((await withCode.post('/sign-in/recovery-code', { code: person.recoveryCodes![0]! })).status).toBe(303);
    expect((await withCode.get('/api/session')).status).toBe(200);

    // The passkey, on its own.
    const passkeyBrowser = new TestClient(url);
    await passkeyBrowser.get('/sign-in');
    const options = JSON.parse((await passkeyBrowser.post('/sign-in/passkey/options', {})).body);
    expect((await passkeyBrowser.post('/sign-in/passkey', { passkey_response: key.answer(options) })).location).toBe('/');
    expect(JSON.parse((await passkeyBrowser.get('/api/session')).body)).toMatchObject({ user: { email: withPasskey.email } });

    // The app: its secret authenticates at the token endpoint, the ID token verifies with the published keys.
    const config = await oidc.discovery(new URL(url), app.clientId, undefined, oidc.ClientSecretBasic(app.clientSecret), { execute: [oidc.allowInsecureRequests] });
    const request = await startAuthorization({ ...app, config });
    const callback = await signInThroughApp({ clock: { now: () => Date.now(), advance: () => {} } }, browser, request.url, person);
    const tokens = await exchangeCode({ ...app, config }, callback, request);
    expect(tokens.claims()!.email).toBe(person.email);
    const jwksAfter = (await (await fetch(`${url}/oidc/jwks`)).json()) as typeof jwksBefore;
    expect(jwksAfter.keys.map((k) => k.kid).sort()).toEqual(jwksBefore.keys.map((k) => k.kid).sort());
    const kid = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).kid as string;
    expect(jwksBefore.keys.map((k) => k.kid)).toContain(kid);

    // The set-up that was in progress finishes under the new secret.
    await stopServers();
    const fresh = await servicesWith(store, NEW_SECRET, publicUrl);
    Object.assign(fresh, { now: () => Date.now() });
    await untilStepHasTimeLeft();
    await expect(confirmTotpEnrollment(fresh, settingUp.userId, generateTotpCode({ secret: settingUp.secret, timeInMs: Date.now() }), { ip: '127.0.0.1', userAgent: 'test' })).resolves.toMatchObject({ recoveryCodes: expect.any(Array) });
  });

  it('a node still running with the replaced secret seals nothing new: it is told to try again', async () => {
    const stale = createServiceContext(loadConfig({ TWOFOLD_SECRET: TEST_SECRET, DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), store, deriveServerKeys(TEST_SECRET));
    const someone = await createTestUser(await servicesWith(store, NEW_SECRET, publicUrl));
    await expect(requireCurrentMasterSecret(stale)).rejects.toMatchObject({ code: 'secret_rotated_restart' });
    await expect(startTotpEnrollment(stale, someone.id)).rejects.toMatchObject({ code: 'secret_rotated_restart' });
    await expect(addClient(stale, { name: 'Late app', redirectUris: [CALLBACK] })).rejects.toMatchObject({ code: 'secret_rotated_restart' });
  });
});

describe('rotating the generated DATA_DIR/secret.key [sqlite]', () => {
  it('takes the old secret from the file and writes the new one into it; the server then starts with the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-secret-key-'));
    try {
      const env = { DATA_DIR: dir, TWOFOLD_SECRET: '' };
      // No TWOFOLD_SECRET: the first command generates DATA_DIR/secret.key and seals with it.
      expect((await runCli(['org', 'add', 'Harbour Aggregation'], env)).code).toBe(0);
      const keyFile = join(dir, 'secret.key');
      const generated = readFileSync(keyFile, 'utf8').trim();
      const rotated = await runCli(['secret', 'rotate'], { ...env, TWOFOLD_NEW_SECRET: NEW_SECRET });
      expect(rotated).toMatchObject({ code: 0, stderr: '' });
      expect(rotated.stdout).toContain(`Wrote the new secret to ${keyFile}.`);
      expect(readFileSync(keyFile, 'utf8')).toBe(`${NEW_SECRET}\n`);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect((await runCli(['org', 'list'], env)).stdout).toContain('Harbour Aggregation');
      // The generated secret it replaced is refused.
      expect((await runCli(['org', 'list'], { ...env, TWOFOLD_SECRET: generated })).stderr).toContain('TWOFOLD_SECRET is not the secret this database is sealed with');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
