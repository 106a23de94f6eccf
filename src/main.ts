// `npm start`: read the configuration, open the database, serve.
import { existsSync, writeSync } from 'node:fs';
import { type Config, ConfigError, loadConfig } from './config.js';
import type { CrashAt, CrashPoint } from './domain/crash-points.js';
import { STARTUP_DEADLINE_IN_MS, checkDataDir, describeDatabase, explainStartupFailure, withDeadline } from './startup-failures.js';
import { createMailTransport, openRuntime } from './runtime.js';
import { EmailWorker } from './services/email-worker.js';
import { issueSetupLinkIfEmpty } from './services/first-run.js';
import { purgeExpiredRecords } from './services/maintenance.js';
import { buildApp } from './web/app.js';
import { generateToken } from './crypto/tokens.js';
import { createLogger } from './web/logging.js';
import { TwofoldMetrics } from './web/metrics.js';
import { lowerThreadPoolPriority } from './thread-pool-priority.js';

/** A shutdown that has not finished by then exits non-zero instead of hanging. */
const SHUTDOWN_DEADLINE_IN_MS = 20_000;

async function main(config: Config): Promise<void> {
  const log = createLogger(config.logLevel, config.logFormat);
  const metrics = new TwofoldMetrics();
  let mailer: EmailWorker | undefined;
  checkDataDir(config);
  const opening = openRuntime(config, {
    // A PostgreSQL restart or failover ends connections; the store replaces them and says so here.
    onConnectionEvent: (event, details) => log.warn({ event, ...details }, 'database connection lost'),
    hooks: { ...metrics.serviceHooks, onEmailQueued: () => setImmediate(() => void mailer?.runOnce()), ...(config.testCrashAt ? { crashPoint: crashAt(config.testCrashAt) } : {}) },
  });
  const runtime = await withDeadline(opening, STARTUP_DEADLINE_IN_MS, `${describeDatabase(config.databaseUrl)} did not answer within ${STARTUP_DEADLINE_IN_MS / 1000} seconds. Is it reachable? Check DATABASE_URL.`);
  metrics.watchDatabase(runtime.store);
  // A new key every start: a link printed yesterday (or pasted into a ticket) stops working.
  const devOutboxKey = config.devOutbox ? generateToken() : undefined;
  const app = await buildApp({ config, services: runtime.services, csrfKey: runtime.keys.csrf, logger: log, metrics, ...(devOutboxKey ? { devOutboxKey } : {}) });
  if (runtime.generatedKeyPath) {
    app.log.warn(`TWOFOLD_SECRET is not set: generated a master key into ${runtime.generatedKeyPath}. Keep that file (it encrypts TOTP secrets) or set TWOFOLD_SECRET.`);
  }
  // Housekeeping every HOUSEKEEPING_INTERVAL_SECONDS (10 minutes); unref'd so it never keeps the process alive.
  const purge = setInterval(() => {
    purgeExpiredRecords(runtime.services, { activityRetentionDays: config.activityRetentionDays }).catch((error: unknown) => app.log.error({ err: error }, 'purge of expired records failed'));
  }, config.housekeepingIntervalInMs);
  purge.unref();
  const worker = new EmailWorker(runtime.services, createMailTransport(config, runtime.store.db, runtime.services.now, log), app.log);
  mailer = worker;
  worker.start();
  // Clean shutdown: stop taking connections and let the requests in flight finish, then
  // the work they started after replying, then the email worker (after the message it is
  // sending, or releasing it), then the database. All of it within SHUTDOWN_DEADLINE_IN_MS.
  let closing = false;
  const close = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    const deadline = setTimeout(() => {
      app.log.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_IN_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_IN_MS);
    deadline.unref();
    clearInterval(purge);
    // A keep-alive connection whose request finishes after this point would hold close()
    // open until its timeout: answers now say Connection: close, and idle ones are shut.
    app.server.on('request', (_request, response) => response.setHeader('connection', 'close'));
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(sweep);
    await runtime.services.background.whenIdle();
    await worker.stop();
    await runtime.store.close();
    app.log.info('shut down cleanly');
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void close(signal));
  process.once('SIGTERM', (signal) => void close(signal));
  await lowerThreadPoolPriority();
  const listeningAt = await app.listen({ port: config.port, host: config.host });
  // Whatever LOG_LEVEL says, say where we are (scripts and the bench wait for this line).
  console.log(`Twofold listening at ${listeningAt}`);
  // With PORT=0 the real port is only known now.
  const publicUrl = config.publicUrlIsDefault && config.port === 0 ? listeningAt : config.publicUrl;
  if (devOutboxKey) {
    console.log(`\nDevelopment outbox (texts and emails Twofold kept instead of sending; keep this link to yourself):\n\n  ${publicUrl}/dev/outbox?key=${devOutboxKey}\n`);
  } else if (config.sms.provider === 'outbox' || config.mail.transport === 'outbox') {
    console.log(
      config.production
        ? 'Warning: SMS_PROVIDER or SMTP_URL is not set, so text messages or emails are kept in the database and never sent.'
        : 'Text messages and emails are kept in the development outbox, not sent. To read them in a browser, start again with DEV_OUTBOX=1.',
    );
  }
  const setupLink = await issueSetupLinkIfEmpty(runtime.services, publicUrl);
  if (setupLink) {
    // Printed plainly as well as logged: it is the one thing the operator must see.
    console.log(`\nTwofold has no users yet. Open this one-time link to create the first organisation and administrator:\n\n  ${setupLink}\n`);
  }
}

/**
 * TEST ONLY (TWOFOLD_TEST_CRASH_AT, refused in production): the n-th time the point is
 * reached, the process kills itself with SIGKILL there and then, as a power cut or the
 * OOM killer would: no handler, no flush, no rollback but the database's own.
 */
function crashAt({ point, nth }: CrashAt): (reached: CrashPoint) => void {
  let count = 0;
  return (reached) => {
    if (reached !== point || ++count !== nth) return;
    writeSync(2, `TWOFOLD_TEST_CRASH_AT: SIGKILL at ${point} (time ${count})\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}

function loadConfigOrExit(): Config {
  try {
    if (existsSync('.env')) process.loadEnvFile('.env');
    return loadConfig(process.env);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `Twofold could not start: .env cannot be read (${(error as Error).message}).`);
    process.exit(2);
  }
}

const config = loadConfigOrExit();
main(config).catch((error: unknown) => {
  // One line naming what to change; the stack only when asked for.
  const explained = explainStartupFailure(error, config);
  console.error(`Twofold could not start: ${explained ?? (error instanceof Error ? error.message : String(error))}`);
  if (config.logLevel === 'debug' || config.logLevel === 'trace') console.error(error);
  else if (!explained) console.error('(Start again with LOG_LEVEL=debug to see the details.)');
  process.exit(1);
});
