// `npx twofold`: the operator's tool, for scripts and tests. Same DATABASE_URL as the server.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { ROLES, type Role } from '../domain/accounts.js';
import { TwofoldError, operatorMessage } from '../errors.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { createOrganization, createUser, createUserAndInvite } from '../services/accounts.js';
import {
  type PersonSummary,
  deactivateAsOperator,
  listPeopleAsOperator,
  organizationTree,
  reactivateAsOperator,
  resetTwoFactorAsOperator,
  showPersonAsOperator,
  unlockCodeEntryAsOperator,
} from '../services/operator.js';
import { describeMailQueue } from '../services/mail-status.js';
import { type BackupSummary, backUpDatabase, requireNoServerOnSqlite, restoreDatabase } from '../services/backups.js';
import { rotateMasterSecret } from '../services/master-secret.js';
import { addClient, listClients, removeClient, rotateClientSecret } from '../services/oidc/clients.js';
import { ensureSigningKeys, listSigningKeyInfo, rotateSigningKeys } from '../services/oidc/signing-keys.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const when = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function cliConfig() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return loadConfig(process.env);
}

async function withRuntime(action: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = await openRuntime(cliConfig());
  try {
    await action(runtime);
  } finally {
    await runtime.store.close();
  }
}

function readPasswordFromPipe(): string {
  // One line; the newline that `echo` adds is not part of the password.
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

/**
 * Lines typed on the terminal without showing them (raw mode: nothing is echoed, not
 * even stars, so the length is not shown either). One reader for every prompt: a paste
 * of both lines at once is split between them, not lost.
 */
function hiddenLineReader(): { read(prompt: string): Promise<string>; close(): void } {
  const stdin = process.stdin;
  const lines: string[] = [];
  let typed = '';
  let waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | null = null;
  const onData = (chunk: string) => {
    for (const ch of chunk) {
      if (ch === '\u0003') {
        waiting?.reject(new CommanderError(130, 'twofold.interrupted', 'Interrupted: nothing was changed.'));
        waiting = null;
        return;
      }
      if (ch === '\r' || ch === '\n') {
        lines.push(typed);
        typed = '';
      } else if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
      else if (ch >= ' ') typed += ch;
    }
    if (waiting && lines.length > 0) {
      process.stderr.write('\n');
      waiting.resolve(lines.shift()!);
      waiting = null;
    }
  };
  stdin.setEncoding('utf8');
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return {
    read(prompt) {
      process.stderr.write(prompt);
      if (lines.length > 0) {
        process.stderr.write('\n');
        return Promise.resolve(lines.shift()!);
      }
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    close() {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    },
  };
}

/** The new person's password: typed twice, hidden, on a terminal; one line from a pipe (scripts). */
async function readNewPersonsPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readPasswordFromPipe();
  const reader = hiddenLineReader();
  try {
    const password = await reader.read("Enter the new person's password: ");
    const again = await reader.read('Enter it again: ');
    if (password !== again) throw new TwofoldError('passwords_do_not_match');
    return password;
  } finally {
    reader.close();
  }
}

const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));

const TWO_FACTOR_AS_READ = { totp: 'authenticator app', sms: 'SMS', webauthn: 'passkey or security key' } as const;
const twoFactorText = (p: PersonSummary) => (p.awaitingPassword ? 'invited, no password yet' : p.twoFactor === null ? 'off' : TWO_FACTOR_AS_READ[p.twoFactor]);

/** Columns padded to their widest cell; the last one is not padded. */
function printColumns(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => [...row[i]!].length)));
  for (const row of rows) console.log(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** Every command, with one example each: `twofold --help` prints them all (a command without one fails at start). */
const EXAMPLES: Record<string, string> = {
  'org add': 'twofold org add "Harbour Brokers" --parent "Harbour Aggregation"',
  'org list': 'twofold org list --json',
  'user add': 'echo \'a long passphrase of words\' | twofold user add --email sam@harbour.com.au --name "Sam Lee" --org "Harbour Brokers" --password-stdin',
  'user list': 'twofold user list --org "Harbour Aggregation"',
  'user show': 'twofold user show sam@harbour.com.au --json',
  'user deactivate': 'twofold user deactivate sam@harbour.com.au',
  'user reactivate': 'twofold user reactivate sam@harbour.com.au',
  'user reset-2fa': 'twofold user reset-2fa bree@bondi.com.au --reason "Ticket 4411: phone and number lost" --mobile 0412000099',
  'user unlock': 'twofold user unlock bree@bondi.com.au',
  'mail status': 'twofold mail status',
  'client add': 'twofold client add --name "Harbour CRM" --redirect-uri https://crm.example.com/callback --org "Harbour Aggregation"',
  'client list': 'twofold client list',
  'client remove': 'twofold client remove 0123456789abcdef0123456789abcdef',
  'client rotate-secret': 'twofold client rotate-secret 0123456789abcdef0123456789abcdef',
  'keys list': 'twofold keys list',
  'keys rotate': 'twofold keys rotate',
  backup: 'twofold backup /var/backups/twofold-$(date +%F).sqlite',
  restore: 'twofold restore /var/backups/twofold-2026-12-01.sqlite',
  'secret rotate': 'TWOFOLD_NEW_SECRET="$(openssl rand -base64 32)" twofold secret rotate   # the old one in TWOFOLD_SECRET',
};

const SEALED_LABELS: Record<string, string> = {
  two_factor: 'authenticator app secrets',
  totp_enrollments: 'app set-ups in progress',
  two_factor_activations: 'second factors waiting to turn on',
  recovery_code_reveals: 'recovery code sets waiting to be saved',
  oidc_clients: 'app client secrets',
  oidc_signing_keys: 'ID-token signing keys',
  server_keys: 'server keys (the recovery-code key and the secret check)',
};

/**
 * The old and new master secrets, from the environment or asked for on the terminal,
 * never from arguments (which ps and the shell's history show to others). Without
 * TWOFOLD_SECRET the old one is the generated DATA_DIR/secret.key, which the new one then replaces.
 */
async function readSecretsForRotation(dataDir: string): Promise<{ oldSecret: string; newSecret: string; keyFile: string | null }> {
  const keyFile = join(dataDir, 'secret.key');
  const reader = process.stdin.isTTY ? hiddenLineReader() : null;
  try {
    let oldSecret = process.env.TWOFOLD_SECRET || undefined;
    let fromFile: string | null = null;
    if (oldSecret === undefined && existsSync(keyFile)) {
      oldSecret = readFileSync(keyFile, 'utf8').trim();
      fromFile = keyFile;
    }
    if (oldSecret === undefined) {
      if (!reader) throw new TwofoldError('secret_rotation_missing', { which: 'TWOFOLD_SECRET (the current secret)' });
      oldSecret = await reader.read('Current TWOFOLD_SECRET: ');
    }
    let newSecret = process.env.TWOFOLD_NEW_SECRET || undefined;
    if (newSecret === undefined) {
      if (!reader) throw new TwofoldError('secret_rotation_missing', { which: 'TWOFOLD_NEW_SECRET (the new secret)' });
      newSecret = await reader.read('New TWOFOLD_SECRET: ');
      if ((await reader.read('New TWOFOLD_SECRET again: ')) !== newSecret) throw new TwofoldError('passwords_do_not_match');
    }
    return { oldSecret, newSecret, keyFile: fromFile };
  } finally {
    reader?.close();
  }
}

const SUMMARY_LABELS: Record<keyof BackupSummary['counts'], string> = {
  organizations: 'organisations',
  users: 'people',
  two_factor: 'with two-factor on',
  passkeys: 'passkeys',
  recovery_codes: 'recovery codes',
  oidc_clients: 'apps',
  security_events: 'activity entries',
};
const describeCounts = (counts: BackupSummary['counts']) => Object.entries(SUMMARY_LABELS).map(([table, label]) => `${counts[table as keyof typeof counts]} ${label}`).join(', ');
const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes)`;

function leafCommands(command: Command, prefix: string[] = []): Array<{ path: string; description: string }> {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return sub.commands.length === 0 ? [{ path: path.join(' '), description: sub.description() }] : leafCommands(sub, path);
  });
}

function examplesHelp(program: Command): string {
  const lines = ['', 'Every command, with an example (add --help after any of them for its options):'];
  for (const leaf of leafCommands(program)) {
    const example = EXAMPLES[leaf.path];
    if (example === undefined) throw new Error(`twofold ${leaf.path} has no example in EXAMPLES`);
    lines.push('', `  twofold ${leaf.path}`, `      ${leaf.description}`, `      $ ${example}`);
  }
  lines.push('', 'Exit codes: 0 done, 1 refused or failed (the reason is on stderr), 2 a mistake in the command itself.');
  return lines.join('\n');
}

export function buildCli(): Command {
  const program = new Command('twofold').description('Operate a Twofold server').exitOverride();

  const org = program.command('org').description('Organisations: aggregators and their firms');
  org
    .command('add <name>')
    .description('Create an organisation (an aggregator, or with --parent a firm under one)')
    .option('--parent <aggregator>', 'the aggregator this firm belongs to')
    .action(async (name: string, opts: { parent?: string }) =>
      withRuntime(async ({ services }) => {
        const created = await createOrganization(services, { name, ...(opts.parent === undefined ? {} : { parentName: opts.parent }) });
        console.log(`Created organisation "${created.name}"${opts.parent ? ` under "${opts.parent}"` : ''}.`);
      }),
    );

  org
    .command('list')
    .description('Every organisation, as a tree: each aggregator with its firms, and how many people each has')
    .option('--json', 'print JSON, for scripts')
    .action(async (opts: { json?: boolean }) =>
      withRuntime(async ({ services }) => {
        const tree = await organizationTree(services);
        if (opts.json) return printJson(tree);
        if (tree.length === 0) console.log('No organisations yet: add one with `twofold org add`.');
        const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;
        for (const aggregator of tree) {
          console.log(`${aggregator.name}  (${people(aggregator.people)})`);
          aggregator.firms.forEach((firm, i) => console.log(`${i === aggregator.firms.length - 1 ? '└──' : '├──'} ${firm.name}  (${people(firm.people)})`));
        }
      }),
    );

  const user = program.command('user').description('People who sign in');

  user
    .command('add')
    .description('Create a person: with --password-stdin they can sign in at once; without it they are emailed an invitation to choose a password')
    .requiredOption('--email <email>', 'their email, used to sign in')
    .requiredOption('--name <name>', 'their full name')
    .requiredOption('--org <name>', 'the organisation they belong to')
    .option('--role <role>', `one of: ${ROLES.join(', ')}`, 'member')
    .option('--mobile <number>', 'Australian mobile number, like 0412345678')
    .option('--password-stdin', "read the new person's password from standard input, one line (on a terminal: asked twice, not shown); without it, an invitation email is sent")
    .action(async (opts: { email: string; name: string; org: string; role: string; mobile?: string; passwordStdin?: boolean }) => {
      if (!ROLES.includes(opts.role as Role)) throw new CommanderError(2, 'twofold.role', `--role must be one of: ${ROLES.join(', ')}`);
      const password = opts.passwordStdin ? await readNewPersonsPassword() : undefined;
      await withRuntime(async ({ services }) => {
        const person = { email: opts.email, name: opts.name, orgName: opts.org, role: opts.role as Role, ...(opts.mobile === undefined ? {} : { mobile: opts.mobile }) };
        if (password === undefined) {
          // The link in the email is built now, from this process's settings: without
          // PUBLIC_URL it would point at localhost:3000, wherever the server really is.
          if (!process.env.PUBLIC_URL) throw new CommanderError(2, 'twofold.public_url', 'PUBLIC_URL is not set, so the invitation link would point at http://localhost:3000. Set PUBLIC_URL to the address people open Twofold at (as for the server), or give --password-stdin.');
          const created = await createUserAndInvite(services, person);
          console.log(`Created user ${created.email} and queued an invitation email (the link is valid for 7 days). The server sends it.`);
          return;
        }
        const created = await createUser(services, { ...person, password });
        console.log(`Created user ${created.email}.`);
      });
    });
  user
    .command('list')
    .description('People, by organisation: role, two-factor, status (an aggregator with --org includes its firms)')
    .option('--org <name>', 'only this organisation')
    .option('--json', 'print JSON, for scripts')
    .action(async (opts: { org?: string; json?: boolean }) =>
      withRuntime(async ({ services }) => {
        const people = await listPeopleAsOperator(services, opts.org === undefined ? {} : { orgName: opts.org });
        if (opts.json) return printJson(people);
        if (people.length === 0) return console.log('No one yet.');
        printColumns([
          ['EMAIL', 'NAME', 'ORGANISATION', 'ROLE', 'TWO-FACTOR', 'STATUS'],
          ...people.map((p) => [p.email, p.name, p.organization, p.role, twoFactorText(p), p.status]),
        ]);
      }),
    );
  user
    .command('show <email>')
    .description('One person: organisation, role, ways to sign in, mobile (masked), lock-out, last sign-in, deactivated or not')
    .option('--json', 'print JSON, for scripts')
    .action(async (email: string, opts: { json?: boolean }) =>
      withRuntime(async ({ services }) => {
        const p = await showPersonAsOperator(services, { email });
        if (opts.json) return printJson(p);
        const facts: Array<[string, string]> = [
          ['Email', p.email],
          ['Name', p.name],
          ['Organisation', p.organization],
          ['Role', p.role],
          ['Status', p.status === 'active' ? 'active' : `deactivated ${p.deactivatedAt} (cannot sign in; \`twofold user reactivate\` lets them back)`],
          ['Two-factor', twoFactorText(p)],
          ['Passkeys', String(p.passkeys)],
          ['Recovery codes left', String(p.recoveryCodesLeft)],
          ['Mobile', p.mobile ?? 'none'],
          ['Remembered devices', String(p.rememberedDevices)],
          ['Code entry', p.codeEntryPausedUntil === null ? 'not paused' : `paused until ${p.codeEntryPausedUntil} (\`twofold user unlock\` lifts it)`],
          ['Last sign-in', p.lastSignInAt ?? 'never'],
        ];
        printColumns(facts.map(([label, value]) => [`${label}:`, value]));
      }),
    );
  user
    .command('deactivate <email>')
    .description('Stop a person signing in: every session, app sign-in and remembered device ends now, emailed links stop working; recorded as done by the operator, and they are emailed')
    .action(async (email: string) =>
      withRuntime(async ({ services }) => {
        await deactivateAsOperator(services, { email });
        console.log(`Deactivated ${email.trim().toLowerCase()}. They were signed out everywhere and cannot sign in until reactivated.`);
      }),
    );
  user
    .command('reactivate <email>')
    .description('Let a deactivated person sign in again; recorded as done by the operator, and they are emailed')
    .action(async (email: string) =>
      withRuntime(async ({ services }) => {
        await reactivateAsOperator(services, { email });
        console.log(`Reactivated ${email.trim().toLowerCase()}. They can sign in again.`);
      }),
    );
  user
    .command('reset-2fa <email>')

    .description('Reset a user\'s two-factor authentication (they lost phone and number); recorded as done by the operator')
    .requiredOption('--reason <text>', 'why, for the security log')
    .option('--mobile <number>', 'replace their mobile number (Australian, like 0412345678)')
    .action(async (email: string, opts: { reason: string; mobile?: string }) =>
      withRuntime(async ({ services }) => {
        await resetTwoFactorAsOperator(services, { email, reason: opts.reason, ...(opts.mobile === undefined ? {} : { mobile: opts.mobile }) });
        console.log(`Reset two-factor authentication for ${email.trim().toLowerCase()}. They were signed out everywhere and will set it up again at their next sign-in.`);
      }),
    );
  user
    .command('unlock <email>')
    .description('Lift a pause on code entry after too many wrong codes; recorded as done by the operator, and the user is emailed')
    .action(async (email: string) =>
      withRuntime(async ({ services }) => {
        await unlockCodeEntryAsOperator(services, { email });
        console.log(`Unlocked code entry for ${email.trim().toLowerCase()}. They can enter their two-factor code again now, and have been told by email.`);
      }),
    );
  program
    .command('mail')
    .description('The email queue')
    .command('status')
    .description('How many emails are pending, sent and failed, and why the last ones failed')
    .action(async () =>
      withRuntime(async ({ services }) => {
        const status = await describeMailQueue(services);
        console.log(Object.entries(status.counts).map(([state, count]) => `${state}: ${count}`).join('  '));
        for (const failure of status.recentFailures) {
          console.log(`failed ${new Date(failure.createdAtMs).toISOString()} ${failure.kind} to ${failure.to} after ${failure.attempts} attempts: ${failure.lastError ?? ''}`);
        }
      }),
    );
  const client = program.command('client').description('Apps that sign people in through Twofold (OpenID Connect)');
  client
    .command('add')
    .description('Register an app; prints its client_id and, unless --public, its client_secret (shown once)')
    .requiredOption('--name <name>', 'the app\'s name, shown to people signing in')
    .requiredOption('--redirect-uri <uri>', 'where the app receives sign-ins (exact; repeat for several)', collect, [])
    .option('--post-logout-redirect-uri <uri>', 'where the app may send people after signing out (repeat for several)', collect, [])
    .option('--public', 'an app that cannot keep a secret (single-page or native): PKCE alone')
    .option('--org <name>', 'only people of this organisation (an aggregator includes its firms)')
    .option('--id-token-alg <alg>', 'ES256 (default) or RS256 for older apps', 'ES256')
    .action(async (opts: { name: string; redirectUri: string[]; postLogoutRedirectUri: string[]; public?: boolean; org?: string; idTokenAlg: string }) => {
      if (opts.idTokenAlg !== 'ES256' && opts.idTokenAlg !== 'RS256') throw new CommanderError(2, 'twofold.alg', '--id-token-alg must be ES256 or RS256');
      await withRuntime(async ({ services }) => {
        const created = await addClient(services, {
          name: opts.name,
          redirectUris: opts.redirectUri,
          postLogoutRedirectUris: opts.postLogoutRedirectUri,
          public: opts.public === true,
          idTokenAlg: opts.idTokenAlg as 'ES256' | 'RS256',
          ...(opts.org === undefined ? {} : { organizationName: opts.org }),
        });
        console.log(`client_id: ${created.clientId}`);
        if (created.clientSecret) {
          console.log(`client_secret: ${created.clientSecret}`);
          console.log('Keep the secret in the app\'s configuration now: it is not shown again (`twofold client rotate-secret` makes a new one).');
        }
        console.log(`issuer: ${services.publicUrl}`);
      });
    });
  client
    .command('list')
    .description('The registered apps')
    .action(async () =>
      withRuntime(async ({ services }) => {
        const clients = await listClients(services);
        if (clients.length === 0) console.log('No apps yet: add one with `twofold client add`.');
        for (const c of clients) {
          console.log(`${c.clientId}  ${c.name}  ${c.public ? 'public' : 'confidential'}  ${c.idTokenAlg}  ${c.organizationName ? `only ${c.organizationName}` : 'everyone'}  ${c.redirectUris.join(' ')}`);
        }
      }),
    );
  client
    .command('remove <client_id>')
    .description('Remove an app: its sign-ins, grants and tokens end at once')
    .action(async (clientId: string) =>
      withRuntime(async ({ services }) => {
        await removeClient(services, clientId);
        console.log(`Removed app ${clientId}; every token it held stopped working.`);
      }),
    );
  client
    .command('rotate-secret <client_id>')
    .description('A new client_secret for an app; the old one stops working at once')
    .action(async (clientId: string) =>
      withRuntime(async ({ services }) => {
        const secret = await rotateClientSecret(services, clientId);
        console.log(`client_secret: ${secret}`);
      }),
    );

  const keys = program.command('keys').description('The keys that sign ID tokens');
  const printKeys = (list: Awaited<ReturnType<typeof listSigningKeyInfo>>) => {
    for (const k of list) console.log(`${k.kid}  ${k.alg}  ${k.state}  signs from ${when(k.signsFromMs)}${k.retiredAtMs === null ? '' : `  retired ${when(k.retiredAtMs)}`}`);
  };
  keys
    .command('list')
    .description('The signing keys, and which sign now')
    .action(async () =>
      withRuntime(async ({ services }) => {
        await ensureSigningKeys(services);
        printKeys(await listSigningKeyInfo(services));
      }),
    );
  keys
    .command('rotate')
    .description('New signing keys; published at once, signing once every node has them; the old ones stay published until their tokens expire')
    .action(async () =>
      withRuntime(async ({ services }) => {
        await ensureSigningKeys(services);
        printKeys(await rotateSigningKeys(services));
        console.log('Running nodes pick the new keys up within a minute; new keys sign from the time shown.');
      }),
    );
  program
    .command('backup <file>')
    .description('Copy the SQLite database to <file>, consistently, while the server runs (PostgreSQL: use pg_dump, see the README)')
    .option('--force', 'replace <file> if it exists')
    .action(async (file: string, opts: { force?: boolean }) => {
      const written = await backUpDatabase(cliConfig().databaseUrl, file, { force: opts.force === true });
      console.log(`Wrote ${written.path}: ${mebibytes(written.bytes)}.`);
      console.log(`It holds ${describeCounts(written.counts)}.`);
      console.log('It holds TOTP secrets sealed with TWOFOLD_SECRET: keep it as safe as the database, and keep the secret (not beside it) to restore it.');
    });
  program
    .command('restore <file>')
    .description('Put a backup made by `twofold backup` in place of the SQLite database; every server using it must be stopped first. The replaced database is kept beside it')
    .action(async (file: string) => {
      const restored = await restoreDatabase(cliConfig().databaseUrl, file);
      if (restored.keptAs) console.log(`Kept the database it replaced as ${restored.keptAs}.`);
      console.log(`Restored ${file}: ${describeCounts(restored.counts)}.`);
      console.log(
        restored.backupLevel === restored.currentLevel
          ? `It is at this version's level (${restored.currentLevel}).`
          : `It was at ${restored.backupLevel} and was brought up to ${restored.currentLevel}.`,
      );
      console.log('Start the server with the TWOFOLD_SECRET the backup was made with.');
    });
  program
    .command('secret')
    .description('The master secret, TWOFOLD_SECRET')
    .command('rotate')
    .description('Re-seal every stored secret under a new TWOFOLD_SECRET in one transaction (old in TWOFOLD_SECRET, new in TWOFOLD_NEW_SECRET, or asked for); stop every server first, restart them with the new one')
    .action(async () => {
      const config = cliConfig();
      const { oldSecret, newSecret, keyFile } = await readSecretsForRotation(config.dataDir);
      requireNoServerOnSqlite(config.databaseUrl);
      // Opening with the old secret checks it first: a wrong one stops here, having changed nothing.
      const runtime = await openRuntime({ ...config, secret: oldSecret });
      let report;
      try {
        report = await rotateMasterSecret(runtime.services, oldSecret, newSecret);
      } finally {
        await runtime.store.close();
      }
      console.log('Re-sealed under the new secret, in one transaction:');
      for (const [table, count] of Object.entries(report.resealed)) console.log(`  ${String(count).padStart(6)}  ${SEALED_LABELS[table] ?? table}`);
      console.log(`Voided ${report.smsCodesVoided} SMS code(s) not yet used: they were hashed with a key from the old secret (people ask for a new code). Recovery codes and sessions carry on.`);
      if (keyFile) {
        // Written beside and renamed: the file is never half the old secret and half the new.
        writeFileSync(`${keyFile}.new`, newSecret + '\n', { mode: 0o600 });
        renameSync(`${keyFile}.new`, keyFile);
        console.log(`Wrote the new secret to ${keyFile}.`);
      }
      console.log('Now restart every node with the new TWOFOLD_SECRET. A node started with the old one refuses to start; one still running with it cannot sign anyone in with an authenticator app, and seals nothing new, until restarted.');
    });
  program.addHelpText('after', () => examplesHelp(program));
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof TwofoldError) {
      console.error(`Error: ${operatorMessage(error)}`);
      return 1;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      if (error.code.startsWith('twofold.')) console.error(`Error: ${error.message}`);
      if (error.code === 'twofold.interrupted') return 130;
      // Commander has printed what is wrong with the command (an unknown command or option, a missing argument): a usage error.
      return 2;
    }
    console.error(error);
    return 1;
  }
}

process.exitCode = await runCli(process.argv.slice(2));
