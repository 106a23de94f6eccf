// How Twofold sends an SMS: one small interface, a provider behind it.

export interface SmsMessage {
  /** E.164 */
  to: string;
  body: string;
}

export type SmsSendResult =
  | { sent: true; providerMessageId: string | null }
  /** `reason` is for the log and the operator, never shown to the person as is */
  | { sent: false; reason: string; invalidNumber: boolean };

export interface SmsSender {
  readonly provider: string;
  send(message: SmsMessage): Promise<SmsSendResult>;
}

/** The same sender, telling `listener` how each send went (the metrics count them). */
export function observeSends(sender: SmsSender, listener: (provider: string, sent: boolean) => void): SmsSender {
  return {
    provider: sender.provider,
    async send(message) {
      const result = await sender.send(message);
      listener(sender.provider, result.sent);
      return result;
    },
  };
}
