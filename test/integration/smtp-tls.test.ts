// SMTP with a password must not send it (or any reset link) in clear: smtp:// with
// credentials requires STARTTLS; `?starttls=never` is the explicit opt-out for a relay
// on the same machine. Against a real SMTP server that offers no STARTTLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SmtpMailTransport } from '../../src/mail/transport.js';
import { CapturingSmtpServer } from '../helpers/smtp.js';

describe('SMTP and TLS', () => {
  const smtp = new CapturingSmtpServer({ acceptPasswordsWithoutTls: true });
  beforeAll(() => smtp.start());
  afterAll(() => smtp.stop());

  const message = (id: string) => ({ id, to: 'pat@example.com.au', subject: 'Reset your Twofold password', text: 'https://twofold.example/reset-password?token=x', html: '<p>x</p>' });

  it('downgrade to clear text: smtp:// with a password refuses a server without STARTTLS and sends nothing', async () => {
    const transport = new SmtpMailTransport(`smtp://mailer:secret-password@127.0.0.1:${smtp.port}`, 'Twofold <no-reply@twofold.example>', 3000);
    try {
      const result = await transport.send(message('tls-required'));
      expect(result.delivered).toBe(false);
      expect(result.delivered === false && result.reason).toMatch(/STARTTLS/i);
      expect(smtp.logins).toEqual([]);
      expect(smtp.messages.filter((m) => m.messageId === '<tls-required@twofold>')).toHaveLength(0);
    } finally {
      transport.close();
    }
  });

  it('sends in clear only when told to, for a relay on the same machine', async () => {
    const transport = new SmtpMailTransport(`smtp://mailer:secret-password@127.0.0.1:${smtp.port}?starttls=never`, 'Twofold <no-reply@twofold.example>', 3000);
    try {
      expect(await transport.send(message('local-relay'))).toEqual({ delivered: true });
      expect(smtp.logins).toEqual(['mailer']);
    } finally {
      transport.close();
    }
  });

  it('says what is wrong with a starttls value it does not know', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://mailer:pw@mail.example:587?starttls=maybe' })).toThrow(/starttls= must be required or never/);
  });
});
