// Stopping the email worker (a clean shutdown) while it sends to an SMTP server that
// accepted the connection and never answers: the message is given back for another
// worker at once (not after its 2-minute lock), and the rest of its batch is left alone.
import { type Server, type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { useTestServer } from '../helpers/suite.js';
import { SmtpMailTransport } from '../../src/mail/transport.js';
import { EmailWorker } from '../../src/services/email-worker.js';
import { enqueueEmail } from '../../src/store/email-queue.js';

const quietLog = { info() {}, warn() {}, error() {} };

describeEachDatabase('email worker stop', (database) => {
  const ctx = useTestServer(database);
  let silent: Server;
  let url: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // A real TCP server that takes the connection and says nothing, like a hung SMTP server.
    silent = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    url = `smtp://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

  it('releases the message it is stuck sending, and claims nothing more', async () => {
    const services = ctx.server.services;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await enqueueEmail(services.db, { to: `stuck${n}@example.com.au`, content: { subject: 's', text: 't', html: '<p>t</p>' }, kind: 'test', nowMs: services.now() }));
    const worker = new EmailWorker(services, new SmtpMailTransport(url, 'Twofold <no-reply@twofold.example>', 60_000), quietLog);
    const pass = worker.runOnce();
    const statuses = async () => (await services.db.selectFrom('email_queue').select(['id', 'status', 'locked_until']).where('id', 'in', ids).execute()).map((row) => ({ ...row }));
    // One message is claimed and its send hangs.
    for (let i = 0; i < 200 && !(await statuses()).some((row) => row.status === 'sending'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await statuses()).filter((row) => row.status === 'sending')).toHaveLength(1);
    await worker.stop(200);
    const after = await statuses();
    expect(after.map((row) => row.status)).toEqual(['pending', 'pending', 'pending']);
    expect(after.every((row) => row.locked_until === null)).toBe(true);
    // Stopped: it takes no more work.
    expect(await worker.runOnce()).toBe(0);
    // The hung connection ends: the abandoned send fails and the message waits for its retry.
    for (const socket of sockets) socket.destroy();
    await pass;
    expect((await statuses()).filter((row) => row.status === 'sent')).toHaveLength(0);
  });
});
