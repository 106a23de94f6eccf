import type { SignedInUser } from '../../services/sessions.js';
import type { ActivityItem } from '../../services/activity.js';
import type { RememberedDeviceView } from '../../services/remembered-devices.js';
import type { SignedInSessionView } from '../../services/signed-in-sessions.js';
import { ActivityList } from './activity.js';
import { BackupMobileForm } from './backup-mobile.js';
import { formatDate } from './format.js';
import type { TwoFactorStatus } from '../../services/two-factor.js';
import type { TwoFactorMethod } from '../../domain/second-factors.js';
import { CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';
import type { ErrorCode } from '../../errors.js';

export type SecurityForm = 'password' | 'remove' | 'mobile' | 'two-factor' | 'recovery-codes';
export interface SecurityError {
  form: SecurityForm;
  message: string;
  code: ErrorCode;
}

/** Which field of the password form a refusal is about: that one is marked and focused. */
function passwordFieldInError(code: ErrorCode): 'current_password' | 'new_password' | 'confirm_password' {
  if (code === 'passwords_do_not_match') return 'confirm_password';
  if (code.startsWith('password_too_')) return 'new_password';
  return 'current_password';
}

const METHOD_TEXT: Record<TwoFactorMethod, string> = {
  totp: 'a code from your authenticator app',
  sms: 'a code sent by text message to your mobile',
  webauthn: 'your passkey or security key',
};

export function SettingsTabs() {
  return (
    <nav aria-label="Settings">
      <ul class="tabs">
        <li>
          <a href="/settings/security" aria-current="page">
            My password and security
          </a>
        </li>
      </ul>
    </nav>
  );
}


export function SecurityPage(props: {
  user: SignedInUser;
  csrfToken: string;
  twoFactor: TwoFactorStatus;
  recoveryCodesLeft: number;
  /** how many passkeys and security keys */
  passkeys: number;
  devices: RememberedDeviceView[];
  sessions: SignedInSessionView[];
  /** the account's mobile in the canonical 0412345678 form, or null */
  mobile: string | null;
  typedMobile?: string | undefined;
  activity: ActivityItem[];
  notice?: string | undefined;
  error?: SecurityError | undefined;
}) {
  const errorFor = (form: SecurityForm) => (props.error?.form === form ? props.error.message : undefined);
  /** The ErrorSummary's id when `form` was refused, for its field's aria-describedby. */
  const blame = (form: SecurityForm, field?: string) => (props.error?.form === form && (field === undefined || passwordFieldInError(props.error.code) === field) ? `error-${form}` : undefined);
  return (
    <Page title="Settings: My password and security" signedInAs={props.user.email} csrfToken={props.csrfToken} wide>
      <h1>Settings</h1>
      <SettingsTabs />
      <Notice message={props.notice} />

      <section class="section" aria-labelledby="two-factor-heading">
        <h2 id="two-factor-heading">Two-factor authentication</h2>
        <ErrorSummary message={errorFor('two-factor')} id="error-two-factor" focus />
        {props.twoFactor.enabled ? (
          <>
            <p>
              Two-factor authentication is <strong>on</strong>: you sign in with your password and{' '}
              {METHOD_TEXT[props.twoFactor.method ?? 'totp']}
              {props.twoFactor.enabledAtMs !== null && <> (turned on {formatDate(props.twoFactor.enabledAtMs)})</>}.
            </p>
            <p class="muted">Changing device? Remove the two factor authentication here, then set it up again on your new device.</p>
            <ErrorSummary message={errorFor('remove')} id="error-remove" />
            <form method="post" action="/settings/two-factor/remove" novalidate>
              <CsrfField token={props.csrfToken} />
              <Field name="password" label="Your password, to confirm" type="password" autocomplete="current-password" maxLength={1024} error={blame('remove')} />
              <button type="submit" class="danger">
                Remove the two factor authentication
              </button>
            </form>
          </>
        ) : (
          <>
            <p>
              Two-factor authentication is <strong>off</strong>. Anyone who learns your password can sign in as you.
            </p>
            <a class="button" href="/settings/two-factor">
              Protect my account
            </a>
          </>
        )}
      </section>

      <section class="section" aria-labelledby="passkeys-heading">
        <h2 id="passkeys-heading">Passkeys and security keys</h2>
        <p>
          {props.passkeys === 0
            ? 'You have no passkeys or security keys. They sign you in with a fingerprint, face, PIN or a touch, and cannot be phished.'
            : `You have ${props.passkeys} ${props.passkeys === 1 ? 'passkey or security key' : 'passkeys and security keys'}. Each can sign you in on its own, with Sign in with a passkey.`}
        </p>
        <a class="button secondary" href="/settings/passkeys">
          Manage passkeys and security keys
        </a>
      </section>

      {props.twoFactor.enabled && <RecoveryCodesSection csrfToken={props.csrfToken} left={props.recoveryCodesLeft} error={errorFor('recovery-codes')} />}

      {props.twoFactor.enabled && <RememberedDevices devices={props.devices} csrfToken={props.csrfToken} />}

      <SignedInSessions sessions={props.sessions} csrfToken={props.csrfToken} />

      <section class="section" aria-labelledby="mobile-heading">
        <h2 id="mobile-heading">Mobile number</h2>
        {props.twoFactor.enabled && props.mobile === null ? (
          <>
            <p>
              You have no mobile number on your account. Add one as a backup: if you lose your two-factor device, we can text a code to it so you can still sign in.
            </p>
            <ErrorSummary message={errorFor('mobile')} id="error-mobile" />
            <BackupMobileForm error={blame('mobile')} errorCode={props.error?.code} csrfToken={props.csrfToken} method={props.twoFactor.method} typedMobile={props.typedMobile} from="security" />
          </>
        ) : props.twoFactor.enabled ? (
          <>
            <ErrorSummary message={errorFor('mobile')} id="error-mobile" focus />
            <p>
              Your mobile number is <strong>{props.mobile}</strong>.
            </p>
            <p class="muted">
              It cannot be changed while two-factor authentication is on. To change it, first choose Remove the two factor authentication above, then change the number
              here and turn two-factor authentication on again.
            </p>
          </>
        ) : (
          <>
            <ErrorSummary message={errorFor('mobile')} id="error-mobile" />
            <form method="post" action="/settings/mobile" novalidate>
              <CsrfField token={props.csrfToken} />
              <Field
                name="mobile"
                label="Mobile number"
                type="tel"
                autocomplete="tel-national"
                inputMode="tel"
                maxLength={32}
                value={props.typedMobile ?? props.mobile ?? undefined}
                error={blame('mobile')}
                hint="An Australian mobile number, like 0412 345 678 (spaces are fine). Used for SMS codes and to get back in if you lose your phone."
              />
              <button type="submit" class="secondary">
                Save mobile number
              </button>
            </form>
          </>
        )}
      </section>

      <section class="section" aria-labelledby="password-heading">
        <h2 id="password-heading">Change your password</h2>
        <ErrorSummary message={errorFor('password')} id="error-password" />
        <form method="post" action="/settings/password" novalidate>
          <CsrfField token={props.csrfToken} />
          <Field name="current_password" label="Current password" type="password" autocomplete="current-password" maxLength={1024} error={blame('password', 'current_password')} />
          <Field
            name="new_password"
            label="New password"
            type="password"
            autocomplete="new-password"
            maxLength={1024}
            hint="At least 12 characters. A few unrelated words make a strong password that is easy to remember."
            error={blame('password', 'new_password')}
          />
          <Field name="confirm_password" label="New password again" type="password" autocomplete="new-password" maxLength={1024} error={blame('password', 'confirm_password')} />
          <button type="submit">Change password</button>
        </form>
      </section>

      <section class="section" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Recent security activity</h2>
        <p class="muted">If you see something you did not do, change your password and contact your aggregator.</p>
        <ActivityList items={props.activity} />
      </section>
    </Page>
  );
}

function RememberedDevices(props: { devices: RememberedDeviceView[]; csrfToken: string }) {
  return (
    <section class="section" aria-labelledby="devices-heading">
      <h2 id="devices-heading">Remembered devices</h2>
      <p class="muted">
        These browsers skip the code step for 30 days after you ticked Remember this device for 30 days. A device is forgotten when it connects from
        another network, when its cookies are cleared, or when you change your password or two-factor settings.
      </p>
      {props.devices.length === 0 ? (
        <p>No devices are remembered.</p>
      ) : (
        <>
          <ul class="devices">
            {props.devices.map((device) => (
              <li key={device.handle}>
                <div>
                  <strong>{device.description}</strong>
                  {device.isThisBrowser && <span class="tag">This browser</span>}
                  <br />
                  <span class="muted">
                    Remembered {formatDate(device.rememberedAtMs)} from {device.rememberedFromIp}. Last used {formatDate(device.lastUsedAtMs)}. Forgotten{' '}
                    {formatDate(device.expiresAtMs)} at the latest.
                  </span>
                </div>
                <form method="post" action="/settings/devices/forget">
                  <CsrfField token={props.csrfToken} />
                  <input type="hidden" name="device" value={device.handle} />
                  <button type="submit" class="secondary" aria-label={`Forget ${device.description}, remembered ${formatDate(device.rememberedAtMs)}`}>
                    Forget
                  </button>
                </form>
              </li>
            ))}
          </ul>
          <form method="post" action="/settings/devices/forget-all">
            <CsrfField token={props.csrfToken} />
            <button type="submit" class="secondary">
              Forget all devices
            </button>
          </form>
        </>
      )}
    </section>
  );
}

/** The recovery-codes part of My password and security. */
export function RecoveryCodesSection(props: { csrfToken: string; left: number; error?: string | undefined }) {
  const low = props.left <= 3;
  return (
    <section class="section" aria-labelledby="recovery-codes-heading" id="recovery-codes">
      <h2 id="recovery-codes-heading">Recovery codes</h2>
      <p class={low ? 'alert alert-info' : undefined}>
        {props.left === 0
          ? 'You have no recovery codes left. Without them, losing your phone means asking your aggregator to reset your two-factor authentication.'
          : `You have ${props.left} recovery ${props.left === 1 ? 'code' : 'codes'} left. Each signs you in once if you lose your phone or security key.`}
        {low && props.left > 0 && ' Get new ones before you run out.'}
      </p>
      <ErrorSummary message={props.error} id="error-recovery-codes" />
      <form method="post" action="/settings/recovery-codes/new" novalidate>
        <CsrfField token={props.csrfToken} />
        <Field name="password" id="recovery-codes-password" label="Your password, to get new codes" type="password" autocomplete="current-password" maxLength={1024} error={props.error ? 'error-recovery-codes' : undefined} />
        <p class="hint">Your old recovery codes stop working as soon as the new ones are made.</p>
        <button type="submit" class="secondary">
          Get new recovery codes
        </button>
      </form>
    </section>
  );
}

/** "Where you're signed in": every live session, this one marked, the others with Sign out. */
function SignedInSessions(props: { sessions: SignedInSessionView[]; csrfToken: string }) {
  const others = props.sessions.filter((session) => !session.isThisBrowser);
  return (
    <section class="section" aria-labelledby="sessions-heading" id="sessions">
      <h2 id="sessions-heading">Where you're signed in</h2>
      <p class="muted">If you do not recognise a browser, sign it out and change your password.</p>
      <ul class="devices">
        {props.sessions.map((session) => (
          <li key={session.handle}>
            <div>
              <strong>{session.description}</strong>
              {session.isThisBrowser && <span class="tag">This browser</span>}
              <br />
              <span class="muted">
                From {session.ip}. Signed in {formatDate(session.signedInAtMs)}. Last active {formatDate(session.lastActiveAtMs)}.
              </span>
            </div>
            {!session.isThisBrowser && (
              <form method="post" action="/settings/sessions/end">
                <CsrfField token={props.csrfToken} />
                <input type="hidden" name="session" value={session.handle} />
                <button type="submit" class="secondary" aria-label={`Sign out ${session.description} from ${session.ip}, last active ${formatDate(session.lastActiveAtMs)}`}>
                  Sign out
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
      {others.length > 0 && (
        <form method="post" action="/settings/sessions/end-others">
          <CsrfField token={props.csrfToken} />
          <button type="submit" class="secondary">
            Sign out everywhere else
          </button>
        </form>
      )}
    </section>
  );
}
