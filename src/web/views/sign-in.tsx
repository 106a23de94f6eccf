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

export function CodePage(props: { csrfToken: string; error?: string | undefined; triesLeft: number }) {
  return (
    <Page title="Two-factor authentication">
      <h1>Enter your code</h1>
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
        <div class="actions">
          <button type="submit">Verify</button>
          <a href="/sign-in">Start again</a>
        </div>
      </form>
    </Page>
  );
}
