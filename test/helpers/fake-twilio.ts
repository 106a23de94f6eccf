// A local HTTP server that speaks Twilio's Messages API on loopback: it records what
// it is sent and answers as each test scripts it (success, Twilio errors, silence).
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

export type ScriptedReply = { status: number; body: unknown } | { hang: true };

export const TWILIO_ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const TWILIO_AUTH_TOKEN = 'test-auth-token';
export const TWILIO_FROM = '+61400000000';

export class FakeTwilio {
  readonly requests: RecordedRequest[] = [];
  private readonly script: ScriptedReply[] = [];
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];
  private stopping = false;
  private readonly hungUp = new WeakSet<ServerResponse>();
  /** Hung requests whose caller gave up and closed the connection, in order. */
  readonly abandoned: RecordedRequest[] = [];
  url = '';

  /** Replies to use in order; once used up, every message is accepted (201). */
  willReply(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Ends every hung request from this side (not counted as abandoned): nothing is left waiting. */
  hangUp(): void {
    for (const res of this.hanging.splice(0)) {
      this.hungUp.add(res);
      res.destroy();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The 6-digit code in the last message sent. */
  lastCode(): string {
    const body = this.requests.at(-1)?.form.Body ?? '';
    const code = /^(\d{6}) is your Twofold code/.exec(body)?.[1];
    if (!code) throw new Error(`no code in ${JSON.stringify(body)}`);
    return code;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      form: Object.fromEntries(new URLSearchParams(raw)),
    };
    this.requests.push(recorded);
    const expectedPath = `/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json`;
    const expectedAuth = `Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64')}`;
    if (req.method !== 'POST' || req.url !== expectedPath) return this.json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    if (req.headers.authorization !== expectedAuth) return this.json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    const reply = this.script.shift() ?? { status: 201, body: { sid: `SM${'0'.repeat(24)}${String(this.requests.length).padStart(8, '0')}`, status: 'queued' } };
    if ('hang' in reply) {
      this.hanging.push(res);
      res.once('close', () => {
        if (!this.stopping && !this.hungUp.has(res)) this.abandoned.push(recorded);
      });
      return;
    }
    this.json(res, reply.status, reply.body);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
