// `npx twofold`: the operator's tool, for scripts and tests. Same DATABASE_URL as the server.
import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { ROLES, type Role } from '../domain/accounts.js';
import { TwofoldError } from '../errors.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { createOrganization, createUser, createUserAndInvite } from '../services/accounts.js';
import { resetTwoFactorAsOperator, unlockCodeEntryAsOperator } from '../services/operator.js';
import { describeMailQueue } from '../services/mail-status.js';
import { addClient, listClients, removeClient, rotateClientSecret } from '../services/oidc/clients.js';
import { ensureSigningKeys, listSigningKeyInfo, rotateSigningKeys } from '../services/oidc/signing-keys.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const when = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

async function withRuntime(action: (runtime: Runtime) => Promise<void>): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const runtime = await openRuntime(loadConfig(process.env));
  try {
    await action(runtime);
  } finally {
    await runtime.store.close();
  }
}

function readPasswordFromStdin(): string {
  // One line; the newline that `echo` adds is not part of the password.
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
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

  const user = program.command('user').description('People who sign in');
  user
    .command('add')
    .description('Create a user')
    .requiredOption('--email <email>', 'their email, used to sign in')
    .requiredOption('--name <name>', 'their full name')
    .requiredOption('--org <name>', 'the organisation they belong to')
    .option('--role <role>', `one of: ${ROLES.join(', ')}`, 'member')
    .option('--mobile <number>', 'Australian mobile number, like 0412345678')
    .option('--password-stdin', 'read the password from standard input (without it, an invitation email is sent)')
    .action(async (opts: { email: string; name: string; org: string; role: string; mobile?: string; passwordStdin?: boolean }) => {
      if (!ROLES.includes(opts.role as Role)) throw new CommanderError(2, 'twofold.role', `--role must be one of: ${ROLES.join(', ')}`);
      const password = opts.passwordStdin ? readPasswordFromStdin() : undefined;
      await withRuntime(async ({ services }) => {
        const person = { email: opts.email, name: opts.name, orgName: opts.org, role: opts.role as Role, ...(opts.mobile === undefined ? {} : { mobile: opts.mobile }) };
        if (password === undefined) {
          const created = await createUserAndInvite(services, person);
          console.log(`Created user ${created.email} and queued an invitation email (the link is valid for 7 days). The server sends it.`);
          return;
        }
        const created = await createUser(services, { ...person, password });
        console.log(`Created user ${created.email}.`);
      });
    });
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
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof TwofoldError) console.error(`Error: ${error.message}`);
    else if (error instanceof ConfigError) console.error(error.message);
    else if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      if (error.code.startsWith('twofold.')) console.error(`Error: ${error.message}`);
    } else console.error(error);
    return error instanceof CommanderError ? Math.max(error.exitCode, 1) : 1;
  }
}

process.exitCode = await runCli(process.argv.slice(2));
