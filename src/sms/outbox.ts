// The default provider for a fresh machine: messages are stored and logged, and
// /dev/outbox shows them (outside production) so a person trying Twofold can read the code.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { SmsMessage, SmsSendResult, SmsSender } from './sender.js';

export class OutboxSmsSender implements SmsSender {
  readonly provider = 'outbox';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly log?: Pick<Logger, 'info'>,
  ) {}

  async send(message: SmsMessage): Promise<SmsSendResult> {
    const id = outboxMessageId(this.now());
    await this.db.insertInto('outbox_messages').values({ id, channel: 'sms', recipient: message.to, subject: null, body: message.body, html: null, created_at: this.now() }).execute();
    // Never the body: it holds the code.
    this.log?.info({ to: message.to }, 'SMS kept in the outbox, not sent');
    return { sent: true, providerMessageId: id };
  }
}

let sequence = 0;
/** Sorts by time, then by order of sending within this process: "newest first" is exact. */
export function outboxMessageId(nowMs: number): string {
  sequence = (sequence + 1) % 1e9;
  return `${String(nowMs).padStart(15, '0')}-${String(sequence).padStart(9, '0')}-${randomUUID().slice(0, 8)}`;
}
