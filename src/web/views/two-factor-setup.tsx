import type { SignedInUser } from '../../services/sessions.js';
import type { ResetNotice } from '../../services/two-factor-reset.js';
import { formatDate } from './format.js';
import { CodeField, CsrfField, ErrorSummary, Notice, Page } from './layout.js';
import { SettingsTabs } from './security.js';
import { ResendForm } from './sign-in.js';
import { AddPasskeyForm, NeedsJavaScript, PASSKEY_SCRIPTS } from './passkeys.js';

export function ChooseMethodPage(props: {
  user: SignedInUser;
  csrfToken: string;
  mobile: string | null;
  error?: string | undefined;
  resetNotice?: ResetNotice | null;
  required?: boolean;
}) {
  return (
    <Page title="Protect my account" signedInAs={props.user.email} csrfToken={props.csrfToken} wide>
      <h1>Protect my account</h1>
      <SettingsTabs />
      {props.resetNotice && (
        <div class="alert alert-info" role="status">
          Your two-factor authentication was reset by {props.resetNotice.resetByName} ({props.resetNotice.organizationName}) on {formatDate(props.resetNotice.atMs)}. Please
          set it up again now. If you did not ask for this, contact {props.resetNotice.organizationName} straight away.
        </div>
      )}
      {props.required && !props.resetNotice && (
        <div class="alert alert-info" role="status">
          Your organisation requires two-factor authentication. Set it up to continue.
        </div>
      )}
      <p>Choose how you will prove it is you when you sign in, after your password.</p>
      <ErrorSummary message={props.error} focus />
      <form method="post" action="/settings/two-factor" novalidate>
        <CsrfField token={props.csrfToken} />
        <fieldset class="plain">
          <legend>Second factor</legend>
          <div class="choice">
            <input type="radio" id="method-totp" name="method" value="totp" checked />{' '}
            <label for="method-totp" class="inline-label">
              Authenticator app <span class="tag">Recommended</span>
            </label>
            <p>Google Authenticator, Microsoft Authenticator or any app that scans a QR code. Works without phone signal, and codes cannot be intercepted.</p>
          </div>
          <div class="choice">
            <input type="radio" id="method-webauthn" name="method" value="webauthn" />{' '}
            <label for="method-webauthn" class="inline-label">
              Passkey or security key <span class="tag">Phishing-resistant</span>
            </label>
            <p>
              Your phone or computer's fingerprint, face or PIN, or a security key such as a YubiKey. Nothing to type, and a fake sign-in page cannot use it. Needs
              JavaScript.
            </p>
          </div>
          <div class="choice">
            <input type="radio" id="method-sms" name="method" value="sms" />{' '}
            <label for="method-sms" class="inline-label">
              Text message (SMS)
            </label>
            <p>
              {props.mobile ? `Codes are sent to your mobile ${props.mobile}. ` : 'Add your mobile number in My password and security first. '}
              Less secure than an app: text messages can be intercepted, and a number can be taken over by a SIM swap.
            </p>
          </div>
        </fieldset>
        <div class="actions">
          <button type="submit">Continue</button>
          <a href="/settings/security">Cancel</a>
        </div>
      </form>
    </Page>
  );
}

export function AppSetupPage(props: { user: SignedInUser; csrfToken: string; qrDataUrl: string; keyUri: string; secret: string; error?: string | undefined }) {
  return (
    <Page title="Set up your authenticator app" signedInAs={props.user.email} csrfToken={props.csrfToken} wide scripts={['/assets/copy-key.js']}>
      <h1>Set up your authenticator app</h1>
      <SettingsTabs />
      <ol>
        <li>Install an authenticator app on your phone (we recommend Google Authenticator, from the Play Store or App Store).</li>
        <li>
          In the app, add an account: scan this QR code with your phone, or, if you are reading this on that phone, choose <strong>Open in your authenticator app</strong>.
        </li>
      </ol>
      <img class="qr" src={props.qrDataUrl} alt="QR code for your authenticator app. If you cannot scan it, use Open in your authenticator app, or type the key shown below." width={208} height={208} />
      <p>
        <a class="button secondary" href={props.keyUri}>
          Open in your authenticator app
        </a>
      </p>
      <p id="totp-secret-label">Can't scan it or open it? Enter this key in the app instead (time-based):</p>
      <p class="secret-row">
        {/* Lines break only between the groups of four (app.css): a group split in two is easy to mistype. */}
        <code class="secret" id="totp-secret">
          {props.secret}
        </code>{' '}
        <button type="button" class="secondary" data-copy-key="totp-secret" hidden>
          Copy the key
        </button>
        <span id="copy-key-status" role="status" class="muted" />
      </p>
      <ErrorSummary message={props.error} id="error-code" />
      <TurnOnForm csrfToken={props.csrfToken} action="/settings/two-factor/app" codeLabel="Enter the 6-digit code the app shows" error={props.error ? 'error-code' : undefined} />
    </Page>
  );
}

export function SmsSetupPage(props: { user: SignedInUser; csrfToken: string; mobile: string; error?: string | undefined; notice?: string | undefined; resendInSeconds: number }) {
  return (
    <Page title="Set up text message codes" signedInAs={props.user.email} csrfToken={props.csrfToken} wide>
      <h1>Set up text message codes</h1>
      <SettingsTabs />
      <Notice message={props.notice} />
      <p>We sent a 6-digit code to your mobile {props.mobile}. Type it here to prove the number is yours. Next you will save your recovery codes, then two-factor authentication turns on.</p>
      <ErrorSummary message={props.error} id="error-code" />
      <TurnOnForm csrfToken={props.csrfToken} action="/settings/two-factor/sms" codeLabel="6-digit code from the text message" error={props.error ? 'error-code' : undefined} />
      <ResendForm csrfToken={props.csrfToken} action="/settings/two-factor/sms/resend" resendInSeconds={props.resendInSeconds} />
    </Page>
  );
}

/** "Passkey or security key": the browser's prompt adds the key; recovery codes come next. */
export function PasskeySetupPage(props: { user: SignedInUser; csrfToken: string; error?: string | undefined }) {
  return (
    <Page title="Set up a passkey or security key" signedInAs={props.user.email} csrfToken={props.csrfToken} wide scripts={PASSKEY_SCRIPTS}>
      <h1>Set up a passkey or security key</h1>
      <SettingsTabs />
      <p>
        Give it a name, then choose Continue: your browser asks you to use your fingerprint, face or PIN, or to insert and touch your security key. You can add more
        keys later in My password and security.
      </p>
      <NeedsJavaScript />
      <ErrorSummary message={props.error} focus />
      <AddPasskeyForm csrfToken={props.csrfToken} action="/settings/two-factor/passkey" button="Continue" />
      <p>
        <a href="/settings/two-factor">Choose another way</a>
      </p>
    </Page>
  );
}

/** The code that proves the app or the number works; the recovery codes come next, then 2FA is on. */
function TurnOnForm(props: { csrfToken: string; action: string; codeLabel: string; error?: string | undefined }) {
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrfToken} />
      <CodeField label={props.codeLabel} error={props.error} />
      <div class="actions">
        <button type="submit">Continue</button>
        <a href="/settings/security">Cancel</a>
      </div>
    </form>
  );
}
