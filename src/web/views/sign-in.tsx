import type { RememberedDeviceNote } from '../../services/remembered-devices.js';
import type { TwoFactorMethod } from '../../domain/second-factors.js';
import { NeedsJavaScript, PASSKEY_SCRIPTS, PasskeyCodeForm, PasskeySignInForm } from './passkeys.js';
import { formatTimeWithZone } from './format.js';
import { CodeField, CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';

/**
 * Shown on every page that takes a code while the account's code entry is paused, before
 * anything is typed. A status, not an alert: it is the page's state on arrival, read in
 * order; a code sent during the pause gets the same sentence back as an alert. Not shown
 * with an error, which already says it (or says something more pressing).
 */
function CodeEntryPaused(props: { until: number | null; error: string | undefined }) {
  if (props.until === null || props.error) return null;
  return (
    <div class="alert alert-error" role="status" id="code-entry-paused">
      <strong>Code entry is paused.</strong> Too many wrong codes were entered for this account, so no code can be checked until {formatTimeWithZone(props.until)}.
      Come back then and enter your code as usual.
    </div>
  );
}

/** `secondFactorRequired`: an app asked for two factors, so a remembered device does not skip the code. */
export function SignInPage(props: { csrfToken: string; email?: string | undefined; error?: string | undefined; notice?: string | undefined; next?: string | undefined; rd?: string | undefined; secondFactorRequired?: boolean }) {
  return (
    <Page title="Sign in" scripts={PASSKEY_SCRIPTS}>
      <h1>Sign in</h1>
      <Notice message={props.notice} />
      <ErrorSummary message={props.error} />
      <form method="post" action="/sign-in" novalidate>
        <CsrfField token={props.csrfToken} />
        {props.next && <input type="hidden" name="next" value={props.next} />}
        {props.rd && <input type="hidden" name="rd" value={props.rd} />}
        {props.secondFactorRequired && <input type="hidden" name="second_factor" value="required" />}
        <Field name="email" label="Username (email)" type="email" autocomplete="username webauthn" value={props.email} maxLength={254} autofocus={!props.email} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" maxLength={1024} autofocus={!!props.email} />
        <div class="actions">
          <button type="submit">Sign in</button>
          <a href={props.email ? `/forgot-password?${new URLSearchParams({ email: props.email }).toString()}` : '/forgot-password'}>Forgot your password?</a>
        </div>
      </form>
      <div class="section">
        <PasskeySignInForm csrfToken={props.csrfToken} next={props.next} rd={props.rd} />
        <NeedsJavaScript text="Sign in with a passkey needs JavaScript and a browser that supports passkeys." />
      </div>
    </Page>
  );
}

/** One plain sentence on why a remembered browser was asked for a code; never the old address. */
const REMEMBERED_DEVICE_NOTES: Record<RememberedDeviceNote, string> = {
  network_changed: 'We asked for a code because you are connecting from a different network than when you chose to remember this device.',
  expired: 'We asked for a code because it has been 30 days since you chose to remember this device.',
  forgotten: 'We asked for a code because this device is no longer remembered: it was forgotten in settings, or your password or two-factor settings changed.',
};

function triesHint(triesLeft: number, fallback: string): string {
  return triesLeft < 5 ? `${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left before you need to enter your password again.` : fallback;
}

export function CodePage(props: {
  csrfToken: string;
  method: TwoFactorMethod;
  /** the account has passkeys: "Use your passkey or security key" is offered */
  hasPasskeys?: boolean;
  maskedMobile: string | null;
  error?: string | undefined;
  notice?: string | undefined;
  triesLeft: number;
  resendInSeconds?: number;
  smsCodeLive?: boolean;
  rememberedDeviceNote?: RememberedDeviceNote | null;
  rememberDeviceTicked?: boolean;
  /** the account has unused recovery codes: "Use a recovery code" is offered */
  hasRecoveryCodes?: boolean;
  /** when the account's code entry pause ends, while one runs */
  pausedUntil?: number | null;
}) {
  const paused = (props.pausedUntil ?? null) !== null;
  const sms = props.method === 'sms';
  if (props.method === 'webauthn') return <PasskeyStepPage {...props} />;
  return (
    <Page title="Two-factor authentication" scripts={props.hasPasskeys ? PASSKEY_SCRIPTS : undefined}>
      <h1>Enter your code</h1>
      {props.rememberedDeviceNote && <p class="alert alert-info">{REMEMBERED_DEVICE_NOTES[props.rememberedDeviceNote]}</p>}
      <Notice message={props.notice} />
      {sms ? (
        props.smsCodeLive ? (
          <p>We sent a 6-digit code by text message to your mobile {props.maskedMobile}. It is valid for 10 minutes.</p>
        ) : (
          <p>We could not send a code to your mobile just now. Use Send a new code below.</p>
        )
      ) : (
        <p>Open the authenticator app on your phone and enter the 6-digit code it shows for Twofold.</p>
      )}
      <CodeEntryPaused until={props.pausedUntil ?? null} error={props.error} />
      <ErrorSummary message={props.error} id="error-code" />
      <form method="post" action="/sign-in/code" novalidate>
        <CsrfField token={props.csrfToken} />
        <CodeField error={props.error ? 'error-code' : undefined} label="6-digit code" hint={triesHint(props.triesLeft, 'Spaces are fine: 123 456.')} autofocus={!paused} />
        <div class="check">
          <input type="checkbox" id="remember-device" name="remember_device" value="yes" checked={props.rememberDeviceTicked} aria-describedby="remember-device-hint" />
          <div>
            <label for="remember-device">Remember this device for 30 days</label>
            <p class="hint" id="remember-device-hint">
              Only on a device you alone use. It will be forgotten sooner if you connect from another network or your browser clears cookies.
            </p>
          </div>
        </div>
        <div class="actions">
          <button type="submit">Verify</button>
          <a href="/sign-in">Start again</a>
        </div>
      </form>
      {props.hasPasskeys && <PasskeyCodeForm csrfToken={props.csrfToken} secondary />}
      {sms && <ResendForm csrfToken={props.csrfToken} action="/sign-in/code/resend" resendInSeconds={props.resendInSeconds ?? 0} />}
      {(props.hasRecoveryCodes || !sms) && (
        <ul class="section links">
          {props.hasRecoveryCodes && (
            <li>
              <a href="/sign-in/recovery-code">Use a recovery code</a>
            </li>
          )}
          {!sms && (
            <li>
              <a href="/sign-in/lost-device">Lost your two-factor device</a>
            </li>
          )}
        </ul>
      )}
      {sms && <p class="muted">No longer have this mobile number? {props.hasRecoveryCodes ? 'Use a recovery code, or please' : 'Please'} contact your aggregator to reset your two-factor authentication.</p>}
    </Page>
  );
}

/** The code step of a person whose second factor is passkeys: the browser's prompt, no code to type. */
function PasskeyStepPage(props: {
  csrfToken: string;
  error?: string | undefined;
  notice?: string | undefined;
  rememberedDeviceNote?: RememberedDeviceNote | null;
  hasRecoveryCodes?: boolean;
  pausedUntil?: number | null;
}) {
  return (
    <Page title="Two-factor authentication" scripts={PASSKEY_SCRIPTS}>
      <h1>Use your passkey or security key</h1>
      {props.rememberedDeviceNote && <p class="alert alert-info">{REMEMBERED_DEVICE_NOTES[props.rememberedDeviceNote]}</p>}
      <Notice message={props.notice} />
      <p>Choose the button below, then use your fingerprint, face or PIN, or insert and touch your security key.</p>
      <NeedsJavaScript />
      <CodeEntryPaused until={props.pausedUntil ?? null} error={props.error} />
      <ErrorSummary message={props.error} />
      <PasskeyCodeForm csrfToken={props.csrfToken} />
      <ul class="section links">
        {props.hasRecoveryCodes && (
          <li>
            <a href="/sign-in/recovery-code">Use a recovery code</a>
          </li>
        )}
        <li>
          <a href="/sign-in/lost-device">Lost your two-factor device</a>
        </li>
        <li>
          <a href="/sign-in">Start again</a>
        </li>
      </ul>
    </Page>
  );
}

export function ResendForm(props: { csrfToken: string; action: string; resendInSeconds: number }) {
  return (
    <form method="post" action={props.action} class="section">
      <CsrfField token={props.csrfToken} />
      {/* The count goes down by itself with the static script; the server still decides. */}
      <p class="muted" id="resend-hint" data-countdown-seconds={props.resendInSeconds > 0 ? props.resendInSeconds : undefined}>
        {props.resendInSeconds > 0 ? `Didn't get it? You can ask for a new code in ${props.resendInSeconds} seconds.` : "Didn't get it? A new code replaces the old one."}
      </p>
      {props.resendInSeconds > 0 && <script src="/assets/countdown.js" defer />}
      <button type="submit" class="secondary" aria-describedby="resend-hint">
        Send a new code
      </button>
    </form>
  );
}

export function LastFourPage(props: { csrfToken: string; error?: string | undefined; triesLeft: number }) {
  return (
    <Page title="Lost your two-factor device">
      <h1>Lost your two-factor device</h1>
      <p>We can send a one-time code by text message to the mobile number on your account.</p>
      <ErrorSummary message={props.error} />
      <form method="post" action="/sign-in/lost-device" novalidate>
        <CsrfField token={props.csrfToken} />
        <Field
          name="last_four"
          label="Last 4 digits of your mobile number"
          inputMode="numeric"
          autocomplete="off"
          maxLength={8}
          autofocus
          hint={props.triesLeft < 5 ? `${props.triesLeft} ${props.triesLeft === 1 ? 'try' : 'tries'} left.` : 'For 0412 345 678, enter 5678.'}
        />
        <div class="actions">
          <button type="submit">Send me a code</button>
          <a href="/sign-in/code">Back</a>
        </div>
      </form>
      <p class="muted section">Lost your phone and can no longer use its number? Please contact your aggregator to reset your two-factor authentication.</p>
    </Page>
  );
}

export function NoMobilePage() {
  return (
    <Page title="Lost your two-factor device">
      <h1>Lost your two-factor device</h1>
      <p role="alert">
        There is no mobile number on your account, so we cannot send you a code. Please contact your aggregator to reset your two-factor authentication.
      </p>
      <p>
        <a href="/sign-in/code">Back to the code screen</a>
      </p>
    </Page>
  );
}

export function LostDeviceCodePage(props: {
  csrfToken: string;
  maskedMobile: string | null;
  error?: string | undefined;
  notice?: string | undefined;
  triesLeft: number;
  resendInSeconds: number;
  pausedUntil: number | null;
}) {
  return (
    <Page title="Enter the code we sent">
      <h1>Enter the code we sent</h1>
      <Notice message={props.notice} />
      <p>We sent a 6-digit code by text message to your mobile {props.maskedMobile}. It is valid for 10 minutes. If you ask for another, only the newest code works.</p>
      <CodeEntryPaused until={props.pausedUntil} error={props.error} />
      <ErrorSummary message={props.error} id="error-code" />
      <form method="post" action="/sign-in/lost-device/code" novalidate>
        <CsrfField token={props.csrfToken} />
        <CodeField error={props.error ? 'error-code' : undefined} label="6-digit code from the text message" hint={triesHint(props.triesLeft, 'Spaces are fine: 123 456.')} autofocus={props.pausedUntil === null} />
        <div class="actions">
          <button type="submit">Sign in</button>
          <a href="/sign-in">Start again</a>
        </div>
      </form>
      <ResendForm csrfToken={props.csrfToken} action="/sign-in/lost-device/resend" resendInSeconds={props.resendInSeconds} />
    </Page>
  );
}

export function RecoveryCodeSignInPage(props: { csrfToken: string; error?: string | undefined; triesLeft: number; pausedUntil: number | null }) {
  return (
    <Page title="Use a recovery code">
      <h1>Use a recovery code</h1>
      <p>Enter one of the recovery codes you saved when you turned on two-factor authentication. Each code works once.</p>
      <CodeEntryPaused until={props.pausedUntil} error={props.error} />
      <ErrorSummary message={props.error} />
      <form method="post" action="/sign-in/recovery-code" novalidate>
        <CsrfField token={props.csrfToken} />
        <Field
          name="code"
          label="Recovery code"
          autocomplete="off"
          maxLength={64}
          autofocus={props.pausedUntil === null}
          hint={triesHint(props.triesLeft, 'Like 7K3M-Q9XD-2HPW-4RTV. Dashes, spaces and small letters are fine.')}
        />
        <div class="actions">
          <button type="submit">Sign in</button>
          <a href="/sign-in/code">Back</a>
        </div>
      </form>
    </Page>
  );
}

/** "Lost your two-factor device" when there is more than one way back: the strongest first, the aggregator last. */
export function LostDeviceChoicesPage(props: { hasRecoveryCodes: boolean; hasPasskeys: boolean; maskedMobile: string | null }) {
  return (
    <Page title="Lost your two-factor device">
      <h1>Lost your two-factor device</h1>
      <p>Choose another way to prove it is you:</p>
      <ul class="choices">
        {props.hasRecoveryCodes && (
          <li>
            <a href="/sign-in/recovery-code">Use a recovery code</a>
            <p class="hint">One of the codes you saved when you turned on two-factor authentication.</p>
          </li>
        )}
        {props.hasPasskeys && (
          <li>
            <a href="/sign-in/code/passkey">Use another passkey or security key</a>
            <p class="hint">Any passkey or security key you added to your account.</p>
          </li>
        )}
        {props.maskedMobile && (
          <li>
            <a href="/sign-in/lost-device/sms">Text a code to my mobile</a>
            <p class="hint">To the number on your account, {props.maskedMobile}, after you confirm its last 4 digits.</p>
          </li>
        )}
      </ul>
      <p class="muted section">None of these? Please contact your aggregator to reset your two-factor authentication.</p>
      <p>
        <a href="/sign-in/code">Back to the code screen</a>
      </p>
    </Page>
  );
}
