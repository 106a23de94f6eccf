// Passkeys and security keys: the forms the sign-in, code-step and settings pages use
// (each runs the browser's WebAuthn prompt through /assets/passkeys.js), and the pages
// of their own. Every form says, without JavaScript, that it needs it.
import type { PasskeySummary } from '../../services/passkeys.js';
import type { SignedInUser } from '../../services/sessions.js';
import { formatDate } from './format.js';
import { CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';
import { SettingsTabs } from './security.js';

/**
 * Shown until /assets/passkeys.js finds a browser that can use passkeys (then it hides
 * this and shows the passkey forms, which start hidden): WebAuthn is the one thing that
 * cannot work without JavaScript.
 */
export function NeedsJavaScript(props: { text?: string }) {
  return (
    <p class="muted" data-passkey-unavailable>
      {props.text ?? 'Passkeys and security keys need JavaScript and a browser that supports them. Everything else works without them.'}
    </p>
  );
}

/** Where the script says what went wrong (a cancelled prompt, a browser without WebAuthn). */
function ScriptError() {
  return <p class="alert alert-error" role="alert" data-passkey-error hidden></p>;
}

/**
 * "Add a passkey or security key": the name, then the browser's own prompt.
 * `askPassword`: adding a key in Settings needs the password (a key signs in on its own).
 */
export function AddPasskeyForm(props: { csrfToken: string; action?: string; button?: string; askPassword?: boolean }) {
  return (
    <form method="post" action={props.action ?? '/settings/passkeys'} data-passkey="register" hidden data-passkey-options="/settings/passkeys/options" class="section" novalidate>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="passkey_response" data-passkey-response />
      <Field name="name" id="passkey-name" label="Name for this passkey or key" hint="For example: work laptop, or blue YubiKey." required={false} maxLength={60} />
      {props.askPassword && <Field name="password" id="passkey-add-password" label="Your password, to add a key" type="password" autocomplete="current-password" maxLength={1024} />}
      <ScriptError />
      <button type="submit">{props.button ?? 'Add a passkey or security key'}</button>
    </form>
  );
}

/** "Sign in with a passkey"; `autofill`: also offered in the username field's suggestions. */
/** `next`: where to go once signed in (a local path), or `rd` (an app behind forward auth); the server checks them again. */
export function PasskeySignInForm(props: { csrfToken: string; autofill?: boolean; next?: string | undefined; rd?: string | undefined }) {
  return (
    <form method="post" action="/sign-in/passkey" data-passkey="authenticate" data-passkey-options="/sign-in/passkey/options" hidden {...(props.autofill ? { 'data-passkey-autofill': '' } : {})}>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="passkey_response" data-passkey-response />
      {props.next && <input type="hidden" name="next" value={props.next} />}
      {props.rd && <input type="hidden" name="rd" value={props.rd} />}
      <ScriptError />
      <button type="submit" class="secondary">
        Sign in with a passkey
      </button>
    </form>
  );
}

/** The code step with a passkey: the answer goes to the code step as its `code`. */
export function PasskeyCodeForm(props: { csrfToken: string; secondary?: boolean }) {
  return (
    <form method="post" action="/sign-in/code/passkey" data-passkey="authenticate" data-passkey-options="/sign-in/code/passkey/options" hidden class="section">
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="code" data-passkey-response />
      <ScriptError />
      <button type="submit" class={props.secondary ? 'secondary' : undefined}>
        Use your passkey or security key
      </button>
    </form>
  );
}

export function PasskeysPage(props: {
  user: SignedInUser;
  csrfToken: string;
  passkeys: PasskeySummary[];
  notice?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <Page title="Passkeys and security keys" signedInAs={props.user.email} csrfToken={props.csrfToken} wide scripts={PASSKEY_SCRIPTS}>
      <h1>Passkeys and security keys</h1>
      <SettingsTabs />
      <Notice message={props.notice} />
      <ErrorSummary message={props.error} focus />
      <p>
        A passkey (on your phone or computer) or a security key (such as a YubiKey) signs you in with your fingerprint, face, PIN or a touch. It only works on this
        site, so a fake sign-in page cannot steal it.
      </p>
      <NeedsJavaScript />
      {props.passkeys.length === 0 ? (
        <p>You have no passkeys or security keys yet.</p>
      ) : (
        <ul class="devices">
          {props.passkeys.map((passkey) => (
            <li key={passkey.id} data-passkey-id={passkey.id}>
              <div>
                <strong>{passkey.name}</strong>
                {passkey.synced && <span class="tag">Synced passkey</span>}
                <br />
                <span class="muted">
                  Added {formatDate(passkey.createdAtMs)}. {passkey.lastUsedAtMs !== null ? `Last used ${formatDate(passkey.lastUsedAtMs)}.` : 'Not used yet.'}
                </span>
                <details>
                  <summary>Rename or remove</summary>
                  <form method="post" action="/settings/passkeys/rename" novalidate>
                    <CsrfField token={props.csrfToken} />
                    <input type="hidden" name="credential" value={passkey.id} />
                    <Field name="name" id={`rename-${passkey.id}`} label={`New name for ${passkey.name}`} maxLength={60} value={passkey.name} />
                    <button type="submit" class="secondary">
                      Rename
                    </button>
                  </form>
                  <form method="post" action="/settings/passkeys/remove" novalidate>
                    <CsrfField token={props.csrfToken} />
                    <input type="hidden" name="credential" value={passkey.id} />
                    <Field name="password" id={`remove-${passkey.id}`} label={`Your password, to remove ${passkey.name}`} type="password" autocomplete="current-password" maxLength={1024} />
                    <button type="submit" class="danger">
                      Remove {passkey.name}
                    </button>
                  </form>
                </details>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h2>Add a passkey or security key</h2>
      <AddPasskeyForm csrfToken={props.csrfToken} askPassword />
    </Page>
  );
}

/** The two scripts a page with a passkey form needs, in this order. */
export const PASSKEY_SCRIPTS = ['/assets/simplewebauthn-browser.js', '/assets/passkeys.js'];

export function PasskeySignInPage(props: { csrfToken: string; error?: string | undefined }) {
  return (
    <Page title="Sign in with a passkey" scripts={PASSKEY_SCRIPTS}>
      <h1>Sign in with a passkey</h1>
      <ErrorSummary message={props.error} focus />
      <NeedsJavaScript />
      <PasskeySignInForm csrfToken={props.csrfToken} />
      <p class="section">
        <a href="/sign-in">Sign in with your email and password instead</a>
      </p>
    </Page>
  );
}

/** "Use another passkey or security key" (from Lost your two-factor device): any of the person's keys. */
export function PasskeyCodePage(props: { csrfToken: string; error?: string | undefined }) {
  return (
    <Page title="Use your passkey" scripts={PASSKEY_SCRIPTS}>
      <h1>Use your passkey or security key</h1>
      <p>Any passkey or security key you added to your account works here.</p>
      <ErrorSummary message={props.error} focus />
      <NeedsJavaScript />
      <PasskeyCodeForm csrfToken={props.csrfToken} />
      <p class="section">
        <a href="/sign-in/lost-device">Back</a>
      </p>
    </Page>
  );
}
