// Delivers the email queue: retries with backoff on temporary failures, gives up on
// permanent ones, and survives crashes (a message held by a dead worker is taken over
// once its lock expires). Runs inside the server; never blocks a request.
import { nextEmailAttemptDelayInMs } from '../domain/emails.js';
import type { MailTransport } from '../mail/transport.js';
import { claimEmail, listDueEmailIds, markEmailFailed, markEmailRetry, markEmailSent, releaseEmailClaim } from '../store/email-queue.js';
import type { ServiceContext } from './context.js';

const SEND_LOCK_IN_MS = 2 * 60_000;
const BATCH = 20;

export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class EmailWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;
  private wokenDuringPass = false;
  /** the message being sent now, if any */
  private inFlight: string | undefined;

  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'crashPoint'>,
    private readonly transport: MailTransport,
    private readonly log: WorkerLog,
  ) {}

  /** Checks the queue every `intervalInMs`; the timer does not keep the process alive. */
  start(intervalInMs = 5_000): void {
    this.timer = setInterval(() => void this.runOnce(), intervalInMs);
    this.timer.unref();
    void this.runOnce();
  }

  /**
   * Stops after the message being sent (not the rest of its batch). If that send has not
   * finished within `graceInMs` (an SMTP server that does not answer), its claim is
   * released, so another worker sends it now rather than after the 2-minute lock.
   */
  async stop(graceInMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([this.running?.then(() => true) ?? true, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceInMs)))]);
    clearTimeout(timer);
    if (!finished && this.inFlight) {
      await releaseEmailClaim(this.ctx.db, this.inFlight, this.ctx.now());
      this.log.warn({ emailId: this.inFlight }, 'email worker stopped mid-send: message released for another worker');
    }
    this.transport.close?.();
  }

  /** Sends what is due now; returns how many were delivered. One pass at a time. */
  runOnce(): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    if (this.running) {
      // A message queued during a pass may have been listed too late for it: one more pass
      // follows, instead of the message waiting for the timer.
      this.wokenDuringPass = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.wokenDuringPass && !this.stopping) {
        this.wokenDuringPass = false;
        void this.runOnce();
      }
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    let delivered = 0;
    try {
      const nowMs = this.ctx.now();
      const due = await listDueEmailIds(this.ctx.db, nowMs, BATCH);
      // A full batch may not be all: another pass follows at once (a burst is not left to the timer).
      if (due.length === BATCH) this.wokenDuringPass = true;
      for (const { id } of due) {
        if (this.stopping) break;
        const message = await claimEmail(this.ctx.db, id, this.ctx.now(), SEND_LOCK_IN_MS);
        if (!message) continue;
        this.inFlight = message.id;
        const result = await this.transport.send({ id: message.id, to: message.to_address, subject: message.subject, text: message.text_body, html: message.html_body });
        this.inFlight = undefined;
        if (result.delivered) {
          this.ctx.crashPoint?.('email-sent'); // TEST ONLY: a no-op unless TWOFOLD_TEST_CRASH_AT names it
          await markEmailSent(this.ctx.db, message.id, this.ctx.now());
          delivered += 1;
          continue;
        }
        const delay = result.permanent ? null : nextEmailAttemptDelayInMs(message.attempts);
        if (delay === null) {
          await markEmailFailed(this.ctx.db, message.id, result.reason);
          this.log.error({ emailId: message.id, kind: message.kind, attempts: message.attempts, reason: result.reason }, 'email could not be delivered: given up');
        } else {
          await markEmailRetry(this.ctx.db, message.id, this.ctx.now() + delay, result.reason);
          this.log.warn({ emailId: message.id, kind: message.kind, attempts: message.attempts, retryInMs: delay, reason: result.reason }, 'email delivery failed: will retry');
        }
      }
    } catch (error) {
      this.log.error({ err: error }, 'email worker pass failed');
    }
    return delivered;
  }
}
