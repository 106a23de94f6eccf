// The operator's CLI, run as a process against a real database of each kind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { findUserByEmail } from '../../src/store/users.js';
import { findOrganizationByName } from '../../src/store/organizations.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { PROJECT_ROOT, runCli } from '../helpers/processes.js';
import { spawn } from 'node:child_process';
import { TEST_SECRET } from '../helpers/server.js';

const targets = [
  {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'twofold-cli-'));
      return { url: `sqlite:${join(dir, 'db.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'postgres', create: createPostgresDatabase },
];

for (const target of targets) {
  describe(`CLI [${target.name}]`, () => {
    let url: string;
    let drop: () => Promise<void>;
    let env: Record<string, string>;
    beforeAll(async () => {
      ({ url, drop } = await target.create());
      env = { DATABASE_URL: url, TWOFOLD_SECRET: TEST_SECRET, PUBLIC_URL: 'https://signin.harbour.example' };
    });
    afterAll(async () => drop());

    it('creates an aggregator, a firm under it, and users with and without a password', async () => {
      expect(await runCli(['org', 'add', 'Connective Test'], env)).toMatchObject({ code: 0, stdout: 'Created organisation "Connective Test".\n' });
      expect((await runCli(['org', 'add', 'Harbour Brokers', '--parent', 'Connective Test'], env)).code).toBe(0);
      const added = await runCli(
        ['user', 'add', '--email', 'Sam@Harbour.com.au', '--name', 'Sam Lee', '--org', 'Harbour Brokers', '--role', 'admin', '--mobile', '0412 345 678', '--password-stdin'],
        env,
        'a long and lovely passphrase\n',
      );
      expect(added).toMatchObject({ code: 0, stderr: '' });
      // Without PUBLIC_URL the invitation's link would point at localhost:3000: refused, nothing created.
      const nowhere = await runCli(['user', 'add', '--email', 'kim@harbour.com.au', '--name', 'Kim', '--org', 'Harbour Brokers'], { ...env, PUBLIC_URL: '' });
      expect(nowhere.code).toBe(2);
      expect(nowhere.stderr).toContain('PUBLIC_URL is not set');
      const invited = await runCli(['user', 'add', '--email', 'kim@harbour.com.au', '--name', 'Kim', '--org', 'Harbour Brokers'], env);
      expect(invited.code).toBe(0);

      const store = openStore(url);
      try {
        const sam = await findUserByEmail(store.db, 'sam@harbour.com.au');
        expect(sam).toMatchObject({ name: 'Sam Lee', role: 'admin', mobile: '+61412345678' });
        expect(sam!.password_hash).toMatch(/^\$argon2id\$/);
        expect((await findUserByEmail(store.db, 'kim@harbour.com.au'))!.password_hash).toBeNull();
        const invitation = await store.db.selectFrom('email_queue').select('text_body').where('to_address', '=', 'kim@harbour.com.au').executeTakeFirstOrThrow();
        expect(invitation.text_body).toContain('https://signin.harbour.example/invitation?token=');
        const firm = await findOrganizationByName(store.db, 'Harbour Brokers');
        expect(firm!.parent_id).toBe((await findOrganizationByName(store.db, 'Connective Test'))!.id);
      } finally {
        await store.close();
      }
    });

    it('prints a clear error and exits non-zero on duplicates, unknown orgs, weak passwords and bad numbers', async () => {
      await runCli(['org', 'add', 'Dup Org'], env);
      const cases: Array<[string[], string | undefined, string]> = [
        [['org', 'add', 'Dup Org'], undefined, 'Error: An organisation with that name already exists.'],
        [['org', 'add', 'Firm X', '--parent', 'Nobody Aggregator'], undefined, 'Error: There is no organisation with that name.'],
        [['user', 'add', '--email', 'a@b.com.au', '--name', 'A', '--org', 'Nobody'], undefined, 'Error: There is no organisation with that name.'],
        [['user', 'add', '--email', 'weak@b.com.au', '--name', 'W', '--org', 'Dup Org', '--password-stdin'], 'password123\n', 'Error: Use at least 12 characters for the password.'],
        [['user', 'add', '--email', 'weak@b.com.au', '--name', 'W', '--org', 'Dup Org', '--password-stdin'], 'password1234\n', 'Error: That password is too easy to guess.'],
        [['user', 'add', '--email', 'm@b.com.au', '--name', 'M', '--org', 'Dup Org', '--mobile', '0212345678'], undefined, 'Error: That looks like a landline.'],
        [['user', 'add', '--email', 'not-an-email', '--name', 'N', '--org', 'Dup Org'], undefined, 'Error: Enter an email address'],
        [['user', 'add', '--email', 'r@b.com.au', '--name', 'R', '--org', 'Dup Org', '--role', 'owner'], undefined, 'Error: --role must be one of: member, admin'],
      ];
      for (const [args, stdin, message] of cases) {
        const result = await runCli(args, env, stdin);
        expect(result.code, args.join(' ')).not.toBe(0);
        expect(result.stderr, args.join(' ')).toContain(message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      await runCli(['user', 'add', '--email', 'once@b.com.au', '--name', 'Once', '--org', 'Dup Org'], env);
      const dup = await runCli(['user', 'add', '--email', 'ONCE@b.com.au', '--name', 'Twice', '--org', 'Dup Org'], env);
      expect(dup.code).not.toBe(0);
      expect(dup.stderr).toContain('Error: An account with that email already exists.');
    });

    it('resets a user\'s 2FA as the operator, with a reason and optionally a new number', async () => {
      await runCli(['org', 'add', 'Reset Agg'], env);
      await runCli(['user', 'add', '--email', 'lost@reset.com.au', '--name', 'Lost Phone', '--org', 'Reset Agg', '--mobile', '0412345678', '--password-stdin'], env, 'a long and lovely passphrase\n');
      const store = openStore(url);
      try {
        const user = (await findUserByEmail(store.db, 'lost@reset.com.au'))!;
        await store.db.insertInto('two_factor').values({ user_id: user.id, method: 'sms', totp_secret: null, last_used_step: null, enabled_at: Date.now() }).execute();
        const missingReason = await runCli(['user', 'reset-2fa', 'lost@reset.com.au'], env);
        expect(missingReason.code).not.toBe(0);
        expect(missingReason.stderr).toContain("required option '--reason <text>' not specified");
        const done = await runCli(['user', 'reset-2fa', 'lost@reset.com.au', '--reason', 'Ticket 12: phone and number lost', '--mobile', '0412 999 888'], env);
        expect(done).toMatchObject({ code: 0, stderr: '' });
        expect(done.stdout).toContain('Reset two-factor authentication for lost@reset.com.au');
        expect(await store.db.selectFrom('two_factor').select('user_id').where('user_id', '=', user.id).executeTakeFirst()).toBeUndefined();
        expect((await findUserByEmail(store.db, 'lost@reset.com.au'))!.mobile).toBe('+61412999888');
        const unknown = await runCli(['user', 'reset-2fa', 'nobody@reset.com.au', '--reason', 'no such person'], env);
        expect(unknown.code).not.toBe(0);
        expect(unknown.stderr).toContain('Error: There is no user with that email.');
      } finally {
        await store.close();
      }
    });

    it('unlocks code entry as the operator, recorded and emailed; says so when there is no pause', async () => {
      await runCli(['org', 'add', 'Unlock Agg'], env);
      await runCli(['user', 'add', '--email', 'paused@unlock.com.au', '--name', 'Paused Person', '--org', 'Unlock Agg', '--password-stdin'], env, 'a long and lovely passphrase\n');
      const store = openStore(url);
      try {
        const user = (await findUserByEmail(store.db, 'paused@unlock.com.au'))!;
        await store.db.updateTable('users').set({ code_failures: 10, code_locked_until: Date.now() + 15 * 60_000 }).where('id', '=', user.id).execute();
        const done = await runCli(['user', 'unlock', 'Paused@Unlock.com.au'], env);
        expect(done).toMatchObject({ code: 0, stderr: '' });
        expect(done.stdout).toContain('Unlocked code entry for paused@unlock.com.au.');
        const row = (await findUserByEmail(store.db, 'paused@unlock.com.au'))!;
        expect(row).toMatchObject({ code_failures: 0, code_locked_until: null });
        const event = await store.db.selectFrom('security_events').select(['actor_id', 'detail']).where('user_id', '=', user.id).where('type', '=', 'code_step_unlocked').execute();
        expect(event).toEqual([{ actor_id: null, detail: 'by the Twofold operator' }]);
        const mail = await store.db.selectFrom('email_queue').select('text_body').where('to_address', '=', 'paused@unlock.com.au').where('kind', '=', 'notice:code_step_unlocked').execute();
        expect(mail).toHaveLength(1);
        const again = await runCli(['user', 'unlock', 'paused@unlock.com.au'], env);
        expect(again.code).not.toBe(0);
        expect(again.stderr).toContain('Error: Code entry for this person is not paused any more, so there was nothing to unlock.');
      } finally {
        await store.close();
      }
    });

    it('registers an app: prints its id and secret once, stores the secret sealed; lists, rotates and removes it', async () => {
      expect((await runCli(['org', 'add', 'Harbour Aggregation CLI'], env)).code).toBe(0);
      const added = await runCli(['client', 'add', '--name', 'Harbour CRM', '--redirect-uri', 'https://crm.example.com/callback', '--post-logout-redirect-uri', 'https://crm.example.com/', '--org', 'Harbour Aggregation CLI'], env);
      expect(added).toMatchObject({ code: 0, stderr: '' });
      const clientId = /^client_id: ([0-9a-f]{32})$/m.exec(added.stdout)![1]!;
      const secret = /^client_secret: (\S+)$/m.exec(added.stdout)![1]!;
      expect(secret.length).toBeGreaterThanOrEqual(40);
      const store = openStore(url);
      try {
        const row = await store.db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
        // Sealed: a copy of the database does not give the secret away.
        expect(row.secret_sealed).not.toContain(secret);
        expect(row.org_id).not.toBeNull();
      } finally {
        await store.close();
      }
      const listed = await runCli(['client', 'list'], env);
      expect(listed.stdout).toContain(`${clientId}  Harbour CRM  confidential  ES256  only Harbour Aggregation CLI  https://crm.example.com/callback`);
      expect(listed.stdout).not.toContain(secret);
      const rotated = await runCli(['client', 'rotate-secret', clientId], env);
      expect(rotated.code).toBe(0);
      expect(/^client_secret: (\S+)$/m.exec(rotated.stdout)![1]).not.toBe(secret);
      expect(await runCli(['client', 'remove', clientId], env)).toMatchObject({ code: 0 });
      expect((await runCli(['client', 'list'], env)).stdout).not.toContain(clientId);
      const again = await runCli(['client', 'remove', clientId], env);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('Error: There is no app with that client id.');
    });

    it('refuses an app with a redirect address that is not https or has a fragment, and a public app has no secret', async () => {
      const plain = await runCli(['client', 'add', '--name', 'Plain', '--redirect-uri', 'http://crm.example.com/callback'], env);
      expect(plain.code).not.toBe(0);
      expect(plain.stderr).toContain('Error: The address http://crm.example.com/callback must be https (http only for localhost).');
      const fragment = await runCli(['client', 'add', '--name', 'Frag', '--redirect-uri', 'https://crm.example.com/cb#x'], env);
      expect(fragment.stderr).toContain('must not have a #fragment');
      const spa = await runCli(['client', 'add', '--name', 'Harbour SPA', '--redirect-uri', 'http://localhost:5173/callback', '--public'], env);
      expect(spa.code).toBe(0);
      expect(spa.stdout).not.toContain('client_secret');
    });

    it('rotates the signing keys: the new ones published at once and signing later, the old ones kept', async () => {
      const before = await runCli(['keys', 'list'], env);
      expect(before.stdout).toMatch(/^es256-initial {2}ES256 {2}signing/m);
      expect(before.stdout).toMatch(/^rs256-initial {2}RS256 {2}signing/m);
      const rotated = await runCli(['keys', 'rotate'], env);
      expect(rotated.code).toBe(0);
      // Until every node has published them, the new keys do not sign.
      expect(rotated.stdout).toMatch(/^es256-initial {2}ES256 {2}signing .* retired /m);
      expect(rotated.stdout).toMatch(/^es256-\d{4}-\d{2}-\d{2}-[0-9a-f]{8} {2}ES256 {2}published/m);
      expect(rotated.stdout).toMatch(/^rs256-\d{4}-\d{2}-\d{2}-[0-9a-f]{8} {2}RS256 {2}published/m);
    });

    it('lists organisations as a tree and people by organisation, with --json for scripts; suggests a near name', async () => {
      await runCli(['org', 'add', 'Tree Aggregation'], env);
      await runCli(['org', 'add', 'Tree Brokers', '--parent', 'Tree Aggregation'], env);
      await runCli(['org', 'add', 'Tree Lending', '--parent', 'Tree Aggregation'], env);
      await runCli(['user', 'add', '--email', 'tia@tree.com.au', '--name', 'Tia Tree', '--org', 'Tree Brokers', '--mobile', '0412345670', '--password-stdin'], env, 'a long and lovely passphrase\n');
      await runCli(['user', 'add', '--email', 'ian@tree.com.au', '--name', 'Ian Invited', '--org', 'Tree Lending', '--role', 'admin'], env);
      const tree = await runCli(['org', 'list'], env);
      expect(tree).toMatchObject({ code: 0, stderr: '' });
      expect(tree.stdout).toContain('Tree Aggregation  (0 people)\n├── Tree Brokers  (1 person)\n└── Tree Lending  (1 person)\n');
      const treeJson = JSON.parse((await runCli(['org', 'list', '--json'], env)).stdout) as Array<{ name: string; firms: Array<{ name: string; people: number }> }>;
      expect(treeJson.find((o) => o.name === 'Tree Aggregation')!.firms).toEqual([expect.objectContaining({ name: 'Tree Brokers', people: 1 }), expect.objectContaining({ name: 'Tree Lending', people: 1 })]);

      const list = await runCli(['user', 'list', '--org', 'Tree Aggregation'], env);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^EMAIL +NAME +ORGANISATION +ROLE +TWO-FACTOR +STATUS$/m);
      expect(list.stdout).toMatch(/^ian@tree\.com\.au +Ian Invited +Tree Lending +admin +invited, no password yet +active$/m);
      expect(list.stdout).toMatch(/^tia@tree\.com\.au +Tia Tree +Tree Brokers +member +off +active$/m);
      const firmOnly = JSON.parse((await runCli(['user', 'list', '--org', 'Tree Brokers', '--json'], env)).stdout) as Array<{ email: string; mobile: string }>;
      expect(firmOnly).toEqual([expect.objectContaining({ email: 'tia@tree.com.au', mobile: '•••• ••• 670', status: 'active' })]);

      const typo = await runCli(['user', 'list', '--org', 'Tree Brokres'], env);
      expect(typo.code).toBe(1);
      expect(typo.stderr).toBe('Error: There is no organisation with that name. Did you mean "Tree Brokers"?\n');
      const far = await runCli(['user', 'add', '--email', 'x@tree.com.au', '--name', 'X', '--org', 'Something Else Entirely'], env);
      expect(far.stderr).toBe('Error: There is no organisation with that name.\n');
      expect((await runCli(['org', 'add', 'Tree Firm', '--parent', 'tree aggregation'], env)).stderr).toContain('Did you mean "Tree Aggregation"?');
    });

    it('shows one person, deactivates and reactivates them as the operator (recorded, emailed, sessions ended); exit codes 0, 1 and 2', async () => {
      await runCli(['org', 'add', 'Show Agg'], env);
      await runCli(['user', 'add', '--email', 'sol@show.com.au', '--name', 'Sol Show', '--org', 'Show Agg', '--mobile', '0412 345 999', '--password-stdin'], env, 'a long and lovely passphrase\n');
      const store = openStore(url);
      try {
        const sol = (await findUserByEmail(store.db, 'sol@show.com.au'))!;
        await store.db.insertInto('sessions').values({ id: 'a'.repeat(64), user_id: sol.id, created_at: Date.now(), last_seen_at: Date.now(), ip: '127.0.0.1', user_agent: 'test', amr: 'pwd' }).execute();
        const shown = await runCli(['user', 'show', 'Sol@Show.com.au'], env);
        expect(shown).toMatchObject({ code: 0, stderr: '' });
        expect(shown.stdout).toMatch(/^Status: +active$/m);
        expect(shown.stdout).toMatch(/^Mobile: +•••• ••• 999$/m);
        expect(shown.stdout).toMatch(/^Code entry: +not paused$/m);
        expect(shown.stdout).not.toContain('0412');

        const done = await runCli(['user', 'deactivate', 'sol@show.com.au'], env);
        expect(done).toMatchObject({ code: 0, stderr: '' });
        expect(done.stdout).toContain('Deactivated sol@show.com.au.');
        expect(await store.db.selectFrom('sessions').select('id').where('user_id', '=', sol.id).execute()).toEqual([]);
        const events = await store.db.selectFrom('security_events').select(['actor_id', 'detail']).where('user_id', '=', sol.id).where('type', '=', 'account_deactivated').execute();
        expect(events).toEqual([{ actor_id: null, detail: 'by the Twofold operator' }]);
        expect(await store.db.selectFrom('email_queue').select('id').where('to_address', '=', 'sol@show.com.au').where('kind', '=', 'notice:account_deactivated').execute()).toHaveLength(1);
        const json = JSON.parse((await runCli(['user', 'show', 'sol@show.com.au', '--json'], env)).stdout) as Record<string, unknown>;
        expect(json).toMatchObject({ email: 'sol@show.com.au', status: 'deactivated', mobile: '•••• ••• 999', twoFactor: null, passkeys: 0, lastSignInAt: null });
        expect(json.deactivatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

        const again = await runCli(['user', 'deactivate', 'sol@show.com.au'], env);
        expect(again).toMatchObject({ code: 1, stderr: 'Error: This person is already deactivated.\n' });
        expect(await runCli(['user', 'reactivate', 'sol@show.com.au'], env)).toMatchObject({ code: 0, stderr: '' });
        expect((await findUserByEmail(store.db, 'sol@show.com.au'))!.deactivated_at).toBeNull();
        expect((await runCli(['user', 'reactivate', 'sol@show.com.au'], env)).code).toBe(1);
        expect(await runCli(['user', 'show', 'nobody@show.com.au'], env)).toMatchObject({ code: 1, stderr: 'Error: There is no user with that email.\n' });
        // Usage mistakes: 2.
        expect((await runCli(['user', 'deactivate'], env)).code).toBe(2);
        expect((await runCli(['user', 'frobnicate'], env)).code).toBe(2);
        expect((await runCli(['user', 'list', '--colour'], env)).code).toBe(2);
      } finally {
        await store.close();
      }
    });

    it('says what is wrong with the configuration', async () => {
      const result = await runCli(['org', 'add', 'X'], { DATABASE_URL: 'mysql://nope', TWOFOLD_SECRET: TEST_SECRET });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('DATABASE_URL must be sqlite:<path> or postgres://');
    });
  });
}

describe('CLI help', () => {
  it('lists every command with an example', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    const commands = ['org add', 'org list', 'user add', 'user list', 'user show', 'user deactivate', 'user reactivate', 'user reset-2fa', 'user unlock', 'mail status', 'client add', 'client list', 'client remove', 'client rotate-secret', 'keys list', 'keys rotate'];
    for (const command of commands) expect(help.stdout).toMatch(new RegExp(`^  twofold ${command}\\n.*\\n      \\$ .*twofold ${command}( |$)`, 'm'));
    expect(help.stdout).toContain('Exit codes: 0 done, 1 refused or failed');
  });
});

describe('CLI password prompt on a terminal', () => {
  it("asks for the new person's password twice without showing it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-cli-tty-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, TWOFOLD_SECRET: TEST_SECRET };
    try {
      await runCli(['org', 'add', 'Prompt Agg'], env);
      const password = 'quiet meadow lantern eleven';
      // `script` gives the CLI a terminal (a pseudo-terminal) for its stdin and stdout.
      const cli = `${process.execPath} bin/twofold.js user add --email pia@prompt.com.au --name "Pia Prompt" --org "Prompt Agg" --password-stdin`;
      const child = spawn('script', ['-qec', cli, '/dev/null'], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      const until = async (text: string, count: number) => {
        for (let i = 0; i < 200 && output.split(text).length - 1 < count; i++) await new Promise((r) => setTimeout(r, 50));
        expect(output).toContain(text);
      };
      await until("Enter the new person's password: ", 1);
      child.stdin.write(`${password}\r`);
      await until('Enter it again: ', 1);
      child.stdin.write(`${password}\r`);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      expect(output).toContain('Created user pia@prompt.com.au.');
      expect(output).not.toContain(password);
      const store = openStore(env.DATABASE_URL);
      try {
        expect((await findUserByEmail(store.db, 'pia@prompt.com.au'))!.password_hash).toMatch(/^\$argon2id\$/);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
