import type { RememberedDeviceNote } from '../../services/remembered-devices.js';
import { CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';

export function SignInPage(props: { csrfToken: string; email?: string | undefined; error?: string | undefined; notice?: string | undefined; next?: string | undefined }) {
  return (
    <Page title="Sign in">
      <h1>Sign in</h1>
      <Notice message={props.notice} />
      <ErrorSummary message={props.error} />
      <form method="post" action="/sign-in" novalidate>
        <CsrfField token={props.csrfToken} />
        {props.next && <input type="hidden" name="next" value={props.next} />}
        <Field name="email" label="Username (email)" type="email" autocomplete="username" value={props.email} maxLength={254} autofocus={!props.email} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" maxLength={1024} autofocus={!!props.email} />
        <button type="submit">Sign in</button>
      </form>
    </Page>
  );
}

/** One plain sentence on why a remembered browser was asked for a code; never the old address. */
const REMEMBERED_DEVICE_NOTES: Record<RememberedDeviceNote, string> = {
  network_changed: 'We asked for a code because you are connecting from a different network than when you chose to remember this device.',
  expired: 'We asked for a code because it has been 30 days since you chose to remember this device.',
  forgotten: 'We asked for a code because this device is no longer remembered: it was forgotten in settings, or your password or two-factor settings changed.',
};

export function CodePage(props: {
  csrfToken: string;
  error?: string | undefined;
  triesLeft: number;
  rememberedDeviceNote?: RememberedDeviceNote | null;
  rememberDeviceTicked?: boolean;
}) {
  return (
    <Page title="Two-factor authentication">
      <h1>Enter your code</h1>
      {props.rememberedDeviceNote && <p class="alert alert-info">{REMEMBERED_DEVICE_NOTES[props.rememberedDeviceNote]}</p>}
      <p>Open the authenticator app on your phone and enter the 6-digit code it shows for Twofold.</p>
      <ErrorSummary message={props.error} />
      <form method="post" action="/sign-in/code" novalidate>
        <CsrfField token={props.csrfToken} />
        <Field
          name="code"
          label="6-digit code"
          autocomplete="one-time-code"
          inputMode="numeric"
          maxLength={12}
          autofocus
          hint={props.triesLeft < 5 ? `${props.triesLeft} ${props.triesLeft === 1 ? 'try' : 'tries'} left before you need to enter your password again.` : 'Spaces are fine: 123 456.'}
        />
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
    </Page>
  );
}
