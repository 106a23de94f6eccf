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
