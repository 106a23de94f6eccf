// Bare pages for passkeys and security keys: enough to add, use and remove one. The
// real pages (sign-in, code step, settings) take the forms and scripts from here.
import type { PasskeySummary } from '../../services/passkeys.js';
import { formatDate } from './format.js';
import { CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';

/** The two scripts a page with a passkey form needs, in this order (CSP: files only, no inline script). */
export function PasskeyScripts() {
  return (
    <>
      <script src="/assets/simplewebauthn-browser.js" defer></script>
      <script src="/assets/passkeys.js" defer></script>
    </>
  );
}

/** Where the script says what went wrong (a cancelled prompt, a browser without WebAuthn). */
function ScriptError() {
  return <p class="alert alert-error" role="alert" data-passkey-error hidden></p>;
}

/** "Add a passkey or security key": the name, then the browser's own prompt. */
export function AddPasskeyForm(props: { csrfToken: string }) {
  return (
    <form method="post" action="/settings/passkeys" data-passkey="register" data-passkey-options="/settings/passkeys/options" class="section">
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="passkey_response" data-passkey-response />
      <Field name="name" label="Name for this passkey or key" hint="For example: work laptop, or blue YubiKey." required={false} maxLength={60} />
      <ScriptError />
      <button type="submit">Add a passkey or security key</button>
    </form>
  );
}

/** "Sign in with a passkey"; `autofill`: also offered in the username field's suggestions. */
export function PasskeySignInForm(props: { csrfToken: string; autofill?: boolean }) {
  return (
    <form method="post" action="/sign-in/passkey" data-passkey="authenticate" data-passkey-options="/sign-in/passkey/options" {...(props.autofill ? { 'data-passkey-autofill': '' } : {})}>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="passkey_response" data-passkey-response />
      <ScriptError />
      <button type="submit" class="secondary">
        Sign in with a passkey
      </button>
    </form>
  );
}

/** The code step with a passkey: the answer goes to the code step as its `code`. */
export function PasskeyCodeForm(props: { csrfToken: string }) {
  return (
    <form method="post" action="/sign-in/code" data-passkey="authenticate" data-passkey-options="/sign-in/code/passkey/options">
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="code" data-passkey-response />
      <ScriptError />
      <button type="submit">Use your passkey or security key</button>
    </form>
  );
}

export function PasskeysPage(props: { signedInAs: string; csrfToken: string; passkeys: PasskeySummary[]; notice?: string | undefined; error?: string | undefined }) {
  return (
    <Page title="Passkeys and security keys" signedInAs={props.signedInAs} csrfToken={props.csrfToken}>
      <h1>Passkeys and security keys</h1>
      <Notice message={props.notice} />
      <ErrorSummary message={props.error} />
      {props.passkeys.length === 0 ? (
        <p>You have no passkeys or security keys yet.</p>
      ) : (
        <ul class="list">
          {props.passkeys.map((passkey) => (
            <li data-passkey-id={passkey.id}>
              <strong>{passkey.name}</strong> — added {formatDate(passkey.createdAtMs)}
              {passkey.lastUsedAtMs !== null ? `, last used ${formatDate(passkey.lastUsedAtMs)}` : ', never used'}
              <form method="post" action="/settings/passkeys/rename" class="inline">
                <CsrfField token={props.csrfToken} />
                <input type="hidden" name="credential" value={passkey.id} />
                <label>
                  New name <input name="name" maxLength={60} value={passkey.name} />
                </label>
                <button type="submit" class="secondary">
                  Rename
                </button>
              </form>
              <form method="post" action="/settings/passkeys/remove" class="inline">
                <CsrfField token={props.csrfToken} />
                <input type="hidden" name="credential" value={passkey.id} />
                <button type="submit" class="secondary" aria-label={`Remove ${passkey.name}`}>
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <AddPasskeyForm csrfToken={props.csrfToken} />
      <PasskeyScripts />
    </Page>
  );
}

export function PasskeySignInPage(props: { csrfToken: string; error?: string | undefined }) {
  return (
    <Page title="Sign in with a passkey">
      <h1>Sign in with a passkey</h1>
      <ErrorSummary message={props.error} />
      <PasskeySignInForm csrfToken={props.csrfToken} />
      <PasskeyScripts />
    </Page>
  );
}

export function PasskeyCodePage(props: { csrfToken: string }) {
  return (
    <Page title="Use your passkey">
      <h1>Use your passkey or security key</h1>
      <PasskeyCodeForm csrfToken={props.csrfToken} />
      <PasskeyScripts />
    </Page>
  );
}
