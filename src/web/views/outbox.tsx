import type { OutboxMessageRow } from '../../services/outbox.js';
import { Page } from './layout.js';

/** Plain text with its web addresses as links, so a person trying Twofold can click them. */
function Linkified(props: { text: string }) {
  const parts = props.text.split(/(https?:\/\/[^\s<>"]+)/g);
  return <>{parts.map((part, i) => (i % 2 === 1 ? <a href={part}>{part}</a> : part))}</>;
}

export function OutboxPage(props: { messages: OutboxMessageRow[] }) {
  return (
    <Page title="Development outbox" wide>
      <h1>Development outbox</h1>
      <p class="muted">Text messages and emails Twofold would have sent, newest first. This page exists only when Twofold was started with DEV_OUTBOX=1 (never in production, never behind a proxy), and only at the address with the key printed at start.</p>
      {props.messages.length === 0 ? (
        <p>Nothing has been sent yet.</p>
      ) : (
        <ol class="outbox">
          {props.messages.map((m) => (
            <li key={m.id}>
              <p class="muted">
                {m.channel === 'sms' ? 'SMS' : 'Email'} to <strong>{m.recipient}</strong> at {new Date(m.created_at).toISOString()}
              </p>
              {m.subject && <p><strong>{m.subject}</strong></p>}
              <pre class="message">
                <Linkified text={m.body} />
              </pre>
            </li>
          ))}
        </ol>
      )}
    </Page>
  );
}
