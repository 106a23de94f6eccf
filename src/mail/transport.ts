// How an email leaves Twofold: one small interface, a transport behind it.
import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import { insertOutboxMessage } from '../store/outbox.js';
import type { Database } from '../store/schema.js';

export interface MailMessage {
  /** the queue row id: also the Message-ID, so a resend is recognisably the same message */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type MailResult = { delivered: true } | { delivered: false; permanent: boolean; reason: string };

export interface MailTransport {
  readonly name: string;
  send(message: MailMessage): Promise<MailResult>;
  close?(): void;
}

export type StarttlsPolicy = 'required' | 'when_offered' | 'never' | 'implicit_tls';

/** What an SMTP_URL asks for; `?starttls=` may only be `never` or `required`. */
export function smtpStarttlsPolicy(url: URL): StarttlsPolicy {
  if (url.protocol === 'smtps:') return 'implicit_tls';
  const asked = url.searchParams.get('starttls');
  if (asked === 'never') return 'never';
  if (asked === 'required' || url.username !== '') return 'required';
  return 'when_offered';
}

/** The default: stored and shown on /dev/outbox (outside production). */
export class OutboxMailTransport implements MailTransport {
  readonly name = 'outbox';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async send(message: MailMessage): Promise<MailResult> {
    await insertOutboxMessage(this.db, { channel: 'email', recipient: message.to, subject: message.subject, body: message.text, html: message.html, created_at: this.now() });
    return { delivered: true };
  }
}

/**
 * SMTP through nodemailer. SMTP_URL like smtp://user:pass@host:587 or smtps://…:465.
 * smtp:// with a user and password requires STARTTLS: the password (and every reset
 * link) must not cross the network in clear because a server, or someone in between,
 * left STARTTLS out. Without credentials STARTTLS is used when offered. `?starttls=never`
 * opts out explicitly, for a relay on the same machine.
 */
export class SmtpMailTransport implements MailTransport {
  readonly name = 'smtp';
  readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    timeoutInMs = 10_000,
    onTransportError: (error: Error) => void = () => {},
  ) {
    const url = new URL(smtpUrl);
    const starttls = smtpStarttlsPolicy(url);
    this.transporter = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      ignoreTLS: starttls === 'never',
      requireTLS: starttls === 'required',
      connectionTimeout: timeoutInMs,
      greetingTimeout: timeoutInMs,
      socketTimeout: timeoutInMs,
    });
    // nodemailer re-emits its transport's errors (an expired OAuth2 token, a pooled
    // connection dying between messages) as 'error' events: unheard, they end the process.
    // Each send still reports its own failure to the worker, which retries.
    this.transporter.on('error', onTransportError);
  }

  async send(message: MailMessage): Promise<MailResult> {
    try {
      await this.transporter.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${message.id}@twofold>`,
      });
      return { delivered: true };
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 5xx: the server refused this message for good (bad address, policy). Anything else
      // (4xx, a dropped connection, a timeout) may work later.
      return { delivered: false, permanent: typeof code === 'number' && code >= 500, reason: (error as Error).message.slice(0, 300) };
    }
  }

  close(): void {
    this.transporter.close();
  }
}
