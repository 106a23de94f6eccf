import { CsrfField, ErrorSummary, Field, Notice, Page } from './layout.js';

export function ForgotPasswordPage(props: { csrfToken: string; error?: string | undefined; sent?: boolean; email?: string | undefined }) {
  return (
    <Page title="Forgot your password?">
      <h1>Forgot your password?</h1>
      {props.sent ? (
        <>
          <Notice message="If an account exists for that email, we have sent a link to choose a new password. It works once, for 1 hour." />
          <p>Didn't get it? Check your spam folder, or ask again in 5 minutes.</p>
          <p>
            <a href="/sign-in">Back to sign in</a>
          </p>
        </>
      ) : (
        <>
          <p>Enter the email you sign in with. If it has an account, we will email you a link to choose a new password.</p>
          <ErrorSummary message={props.error} />
          <form method="post" action="/forgot-password" novalidate>
            <CsrfField token={props.csrfToken} />
            <Field name="email" label="Username (email)" type="email" autocomplete="username" maxLength={254} value={props.email} autofocus />
            <div class="actions">
              <button type="submit">Email me a link</button>
              <a href="/sign-in">Back to sign in</a>
            </div>
          </form>
        </>
      )}
    </Page>
  );
}

export function ChoosePasswordPage(props: { csrfToken: string; token: string; action: '/reset-password' | '/invitation'; email: string; error?: string | undefined }) {
  const invitation = props.action === '/invitation';
  return (
    <Page title={invitation ? 'Choose your password' : 'Choose a new password'}>
      <h1>{invitation ? 'Choose your password' : 'Choose a new password'}</h1>
      <p>
        For <strong>{props.email}</strong>.{' '}
        {invitation ? 'Then sign in with it.' : 'Afterwards you sign in with it, and then your two-factor code as usual. All your sessions will end.'}
      </p>
      <ErrorSummary message={props.error} id="error-password" />
      <form method="post" action={props.action} novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <input type="text" name="username" autocomplete="username" value={props.email} hidden readOnly />
        <Field name="password" label="New password" type="password" autocomplete="new-password" maxLength={1024} autofocus error={props.error ? 'error-password' : undefined} hint="At least 12 characters. A few unrelated words make a strong password that is easy to remember." />
        <Field name="confirm_password" label="New password again" type="password" autocomplete="new-password" maxLength={1024} />
        <button type="submit">{invitation ? 'Set my password' : 'Set new password'}</button>
      </form>
    </Page>
  );
}

export function DeadLinkPage(props: { message: string; offerNewReset?: boolean }) {
  return (
    <Page title="Link not valid">
      <h1>This link does not work any more</h1>
      <p role="alert">{props.message}</p>
      <div class="actions">
        {props.offerNewReset && (
          <a class="button" href="/forgot-password">
            Forgot your password?
          </a>
        )}
        <a href="/sign-in">Go to sign in</a>
      </div>
    </Page>
  );
}
