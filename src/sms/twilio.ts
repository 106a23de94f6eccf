// Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json
// with form fields To, From (or MessagingServiceSid) and Body, HTTP basic auth.
import type { SmsMessage, SmsSendResult, SmsSender } from './sender.js';

export interface TwilioSettings {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  /** the whole send, retries included, never takes longer than this */
  timeoutInMs: number;
}

/** Twilio's code for a To number it cannot send to. */
const INVALID_TO_NUMBER = new Set([21211, 21214, 21610, 21612, 21614]);

export class TwilioSmsSender implements SmsSender {
  readonly provider = 'twilio';

  constructor(private readonly settings: TwilioSettings) {}

  async send(message: SmsMessage): Promise<SmsSendResult> {
    const deadline = Date.now() + this.settings.timeoutInMs;
    const first = await this.post(message, deadline);
    // Retry only what Twilio refused without processing (429 too many requests,
    // 503 unavailable), once, and only if time is left. A timeout or a 500 may have
    // been sent already: retrying could deliver two codes.
    if (first.kind === 'retryable' && deadline - Date.now() > 1000) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return finish(await this.post(message, deadline));
    }
    return finish(first);
  }

  private async post(message: SmsMessage, deadline: number): Promise<Attempt> {
    const form = new URLSearchParams({ To: message.to, Body: message.body });
    if (this.settings.messagingServiceSid) form.set('MessagingServiceSid', this.settings.messagingServiceSid);
    else if (this.settings.from) form.set('From', this.settings.from);
    const url = `${this.settings.baseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(this.settings.accountSid)}/Messages.json`;
    const auth = Buffer.from(`${this.settings.accountSid}:${this.settings.authToken}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return { kind: 'failed', reason: timedOut ? 'twilio: no answer in time' : `twilio: ${(error as Error).message}`, invalidNumber: false };
    }
    const payload = (await response.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
    if (response.status === 201 || response.status === 200) return { kind: 'sent', id: payload.sid ?? null };
    const reason = `twilio ${response.status}${payload.code ? ` code ${payload.code}` : ''}: ${payload.message ?? 'no message'}`;
    if (response.status === 429 || response.status === 503) return { kind: 'retryable', reason };
    return { kind: 'failed', reason, invalidNumber: payload.code !== undefined && INVALID_TO_NUMBER.has(payload.code) };
  }
}

type Attempt = { kind: 'sent'; id: string | null } | { kind: 'retryable'; reason: string } | { kind: 'failed'; reason: string; invalidNumber: boolean };

function finish(attempt: Attempt): SmsSendResult {
  if (attempt.kind === 'sent') return { sent: true, providerMessageId: attempt.id };
  return { sent: false, reason: attempt.reason, invalidNumber: attempt.kind === 'failed' && attempt.invalidNumber };
}
