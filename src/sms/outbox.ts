// The default provider for a fresh machine: messages are stored and logged, and
// /dev/outbox shows them (outside production) so a person trying Twofold can read the code.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { insertOutboxMessage } from '../store/outbox.js';
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
    const id = await insertOutboxMessage(this.db, { channel: 'sms', recipient: message.to, subject: null, body: message.body, html: null, created_at: this.now() });
    // Never the body: it holds the code.
    this.log?.info({ to: message.to }, 'SMS kept in the outbox, not sent');
    return { sent: true, providerMessageId: id };
  }
}
