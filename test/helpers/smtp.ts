// A real SMTP server on loopback (smtp-server) that captures what it is sent, parsed
// with mailparser, and can refuse on demand with 4xx or 5xx replies.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

type Trouble = { kind: 'reply'; code: number; message: string };

export class CapturingSmtpServer {
  readonly messages: ParsedMail[] = [];
  private readonly trouble: Trouble[] = [];
  private server: SMTPServer | undefined;
  port = 0;
  /** user names that authenticated (AUTH without TLS is accepted only when asked for) */
  readonly logins: string[] = [];

  constructor(private readonly options: { acceptPasswordsWithoutTls?: boolean } = {}) {}

  /** The next deliveries meet these, in order; then all are accepted. */
  failNext(...trouble: Trouble[]): void {
    this.trouble.push(...trouble);
  }

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: this.options.acceptPasswordsWithoutTls ?? false,
      onAuth: (auth, _session, callback) => {
        this.logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      },
      logger: false,
      onData: (stream, _session, callback) => {
        const trouble = this.trouble.shift();
        simpleParser(stream)
          .then((mail) => {
            if (trouble?.kind === 'reply') {
              const error = new Error(trouble.message) as Error & { responseCode: number };
              error.responseCode = trouble.code;
              return callback(error);
            }
            this.messages.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    // A client that vanishes mid-conversation (a sender killed with SIGKILL) is reported as
    // the server's 'error' event; unheard, it would throw in the test process.
    this.server.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') throw error;
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server!.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  to(address: string): ParsedMail[] {
    return this.messages.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.value.some((v) => v.address === address)));
  }
}

/** The first link in a message's plain text. */
export function linkIn(mail: ParsedMail): string {
  const match = /https?:\/\/\S+/.exec(mail.text ?? '');
  if (!match) throw new Error('no link in the email');
  return match[0];
}

/** A mail server that accepts connections and hangs up at once: an outage mid-conversation. */
export async function startDroppingServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const { createServer } = await import('node:net');
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
