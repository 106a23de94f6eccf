// The OpenID Provider on two nodes over one PostgreSQL: a flow started on one node
// finishes on the other, and a key rotated on one is published and used by both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKeys } from '../../src/services/oidc/signing-keys.js';
import { type Store, migrateToLatest, openStore } from '../../src/store/db.js';
import { TestClient } from '../helpers/client.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { createTestUser } from '../helpers/fixtures.js';
import { type TestApp, exchangeCode, oidc, registerTestApp, signInThroughApp, startAuthorization } from '../helpers/oidc.js';
import { type TestServer, freePort, startTestServer } from '../helpers/server.js';

const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;

describe('OpenID provider on two nodes over one PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  const stores: Store[] = [];
  let a: TestServer;
  let b: TestServer;
  let app: TestApp;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const port = await freePort();
    const env = { PUBLIC_URL: `http://localhost:${port}` };
    for (let i = 0; i < 2; i++) {
      const store = openStore(database.url);
      await migrateToLatest(store);
      stores.push(store);
    }
    // One issuer (the address the apps know); node b answers on a port of its own.
    a = await startTestServer(stores[0]!, env, { port });
    b = await startTestServer(stores[1]!, env);
    app = await registerTestApp(a.services, a.url);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const store of stores) await store.close();
    await database?.drop();
  });

  /** The app's configuration, but talking to node b for tokens. */
  const viaNodeB = () => {
    const metadata = { ...(JSON.parse(JSON.stringify(app.config.serverMetadata())) as oidc.ServerMetadata), token_endpoint: `${b.url}/oidc/token`, userinfo_endpoint: `${b.url}/oidc/me` };
    const config = new oidc.Configuration(metadata, app.clientId, undefined, oidc.ClientSecretBasic(app.clientSecret));
    oidc.allowInsecureRequests(config);
    return config;
  };

  it('starts a sign-in on one node, signs in on the other, and refreshes on either', async () => {
    const user = await createTestUser(a.services);
    const request = await startAuthorization(app);
    const onA = new TestClient(a.url);
    const first = await onA.get(request.url.pathname + request.url.search);
    const callback = await signInThroughApp(b, onA.on(b.url), request.url, user, { first });
    const tokens = await exchangeCode(app, callback, request);
    expect(tokens.claims()!.sub).toBe(user.id);
    const refreshed = await oidc.refreshTokenGrant(viaNodeB(), tokens.refresh_token!);
    expect(await oidc.fetchUserInfo(viaNodeB(), refreshed.access_token, user.id)).toMatchObject({ email: user.email });
  });

  it('publishes a rotated key on every node before it signs, and keeps the old one published', async () => {
    const user = await createTestUser(a.services);
    const before = await startAuthorization(app);
    const oldTokens = await exchangeCode(app, await signInThroughApp(a, new TestClient(a.url), before.url, user), before);
    const oldKid = kidOf(oldTokens.id_token!);

    await rotateSigningKeys(a.services, { signsAfterMs: 60_000 });
    await a.app.reloadSigningKeys();
    await b.app.reloadSigningKeys();
    const published = async (node: TestServer) => ((await (await fetch(`${node.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(await published(b)).toHaveLength(4);
    expect(await published(b)).toContain(oldKid);
    // Not yet its time: the old key still signs.
    const during = await startAuthorization(app);
    const duringTokens = await exchangeCode(app, await signInThroughApp(a, new TestClient(a.url), during.url, user), during);
    expect(kidOf(duringTokens.id_token!)).toBe(oldKid);

    // Its time comes: both nodes sign with the new key; the old one is still published.
    for (const node of [a, b]) node.clock.advance(61_000);
    await a.app.reloadSigningKeys();
    await b.app.reloadSigningKeys();
    const after = await startAuthorization(app);
    const afterTokens = await exchangeCode(app, await signInThroughApp(a, new TestClient(a.url), after.url, user), after);
    const newKid = kidOf(afterTokens.id_token!);
    expect(newKid).not.toBe(oldKid);
    const fromB = await oidc.refreshTokenGrant(viaNodeB(), afterTokens.refresh_token!);
    expect(kidOf(fromB.id_token!)).toBe(newKid);
    expect(await published(a)).toEqual(expect.arrayContaining([oldKid, newKid]));
  });
});
