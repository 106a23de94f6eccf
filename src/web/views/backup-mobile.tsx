// Adding a mobile number while two-factor authentication is on, as a way back if the
// second factor is lost: the form (on My password and security, and offered right after
// 2FA turns on), then the page for the code texted to the number.
import type { ErrorCode } from '../../errors.js';
import type { SignedInUser } from '../../services/sessions.js';
import type { TwoFactorStatus } from '../../services/two-factor.js';
import { CodeField, CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';
import { ResendForm } from './sign-in.js';

/** Password, a current second factor and the number; `from` says which page to show again on a refusal. */
/** Which of the three fields a refusal is about. */
function backupFieldInError(code: ErrorCode | undefined): 'mobile' | 'password' | 'code' {
  if (code === undefined || code.startsWith('mobile_') || code.startsWith('sms_')) return 'mobile';
  if (code.includes('password')) return 'password';
  return 'code';
}

/** `error`: the id of the ErrorSummary above, when this form was refused (`errorCode` says why). */
export function BackupMobileForm(props: { csrfToken: string; method: TwoFactorStatus['method']; typedMobile?: string | undefined; from: 'security' | 'offer'; error?: string | undefined; errorCode?: ErrorCode | undefined }) {
  const appLabel = props.method === 'totp';
  const blame = (field: 'mobile' | 'password' | 'code') => (props.error && backupFieldInError(props.errorCode) === field ? props.error : undefined);
  return (
    <form method="post" action="/settings/mobile/backup" novalidate>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="from" value={props.from} />
      <Field
        name="mobile"
        id="backup-mobile"
        label="Mobile number"
        type="tel"
        autocomplete="tel-national"
        inputMode="tel"
        maxLength={32}
        value={props.typedMobile}
        hint="An Australian mobile number, like 0412 345 678 (spaces are fine). We will text a code to it to check it is yours."
        error={blame('mobile')}
      />
      <Field name="password" id="backup-mobile-password" label="Your password, to add the number" type="password" autocomplete="current-password" maxLength={1024} error={blame('password')} />
      <Field
        name="code"
        id="backup-mobile-code"
        label={appLabel ? 'Code from your authenticator app, or a recovery code' : 'One of your recovery codes'}
        autocomplete="one-time-code"
        maxLength={64}
        error={blame('code')}
        hint={appLabel ? 'The 6-digit code the app shows now. If you do not have the app with you, use one of your recovery codes instead.' : 'A recovery code you saved when you turned on two-factor authentication. It is used up.'}
      />
      <button type="submit" class="secondary">
        Send a code to this number
      </button>
    </form>
  );
}

/** Shown once, right after 2FA turns on with the app or a passkey, to a person with no number. */
export function BackupMobileOfferPage(props: { user: SignedInUser; csrfToken: string; method: TwoFactorStatus['method']; notice?: string | undefined; error?: string | undefined; typedMobile?: string | undefined }) {
  return (
    <Page title="Add a mobile number as a backup" signedInAs={props.user.email} csrfToken={props.csrfToken} wide>
      <Notice message={props.notice} />
      <h1>Add a mobile number as a backup</h1>
      <p>
        If you lose your {props.method === 'webauthn' ? 'passkey or security key' : 'phone with the authenticator app'}, we can text a code to your mobile so you can still sign
        in. This is optional.
      </p>
      <ErrorSummary message={props.error} focus />
      <BackupMobileForm csrfToken={props.csrfToken} method={props.method} typedMobile={props.typedMobile} from="offer" />
      <p>
        <a class="button secondary" href="/settings/security">
          Skip, do not add a number
        </a>
      </p>
    </Page>
  );
}

/** The code texted to the new number. */
export function BackupMobileCodePage(props: { user: SignedInUser; csrfToken: string; mobile: string; resendInSeconds: number; notice?: string | undefined; error?: string | undefined }) {
  return (
    <Page title="Check your mobile number" signedInAs={props.user.email} csrfToken={props.csrfToken} wide>
      <h1>Check your mobile number</h1>
      <Notice message={props.notice} />
      <p>We sent a 6-digit code to {props.mobile}. Type it here to add the number to your account.</p>
      <ErrorSummary message={props.error} id="error-code" />
      <form method="post" action="/settings/mobile/backup/code" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="mobile" value={props.mobile} />
        <CodeField label="6-digit code from the text message" error={props.error ? 'error-code' : undefined} />
        <div class="actions">
          <button type="submit">Add this number</button>
          <a href="/settings/security">Cancel</a>
        </div>
      </form>
      <ResendForm csrfToken={props.csrfToken} action="/settings/mobile/backup/resend" resendInSeconds={props.resendInSeconds} />
    </Page>
  );
}
