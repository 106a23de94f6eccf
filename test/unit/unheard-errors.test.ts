// An 'error' event that nobody listens to ends a Node.js process. Every emitter the
// server keeps open for its lifetime has a listener; these tests fail when one is removed.
import { describe, expect, it } from 'vitest';
import { SmtpMailTransport } from '../../src/mail/transport.js';

describe('long-lived emitters', () => {
  it('the SMTP transport hears its own errors (an expired OAuth2 token, a pooled connection dying) instead of crashing', () => {
    const heard: string[] = [];
    const transport = new SmtpMailTransport('smtp://127.0.0.1:2525', 'Twofold <no-reply@twofold.example>', 1000, (error) => heard.push(error.message));
    try {
      expect(() => transport.transporter.emit('error', new Error('token expired'))).not.toThrow();
      expect(heard).toEqual(['token expired']);
    } finally {
      transport.close();
    }
  });
});
