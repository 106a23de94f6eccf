// The pages a person meets when an app sends them to Twofold to sign in or out.
import { CsrfField, ErrorSummary, Page } from './layout.js';

/**
 * "Sign out": asked by an app (RP-initiated logout). `form` is the provider's own empty
 * form (its action and anti-forgery value, no text of anyone's); the buttons submit it.
 */
export function SignOutOfAppsPage(props: { form: string; appName: string | null }) {
  return (
    <Page title="Sign out">
      <h1>Sign out of Twofold?</h1>
      <p>
        {props.appName ? `${props.appName} asked to sign you out. ` : ''}
        Signing out ends your Twofold sign-in in this browser, and every app you signed in to with it will ask you to sign in again.
      </p>
      <div dangerouslySetInnerHTML={{ __html: props.form }} />
      <div class="actions">
        <button type="submit" form="op.logoutForm" name="logout" value="yes">
          Sign out
        </button>
        <button type="submit" form="op.logoutForm" class="secondary">
          Stay signed in
        </button>
      </div>
    </Page>
  );
}

export function SignedOutOfAppsPage(props: { appName: string | null }) {
  return (
    <Page title="Signed out">
      <h1>You are signed out</h1>
      <p role="status">{props.appName ? `You signed out of ${props.appName} and of Twofold in this browser.` : 'You signed out of Twofold in this browser.'}</p>
      <p>
        <a href="/sign-in">Sign in again</a>
      </p>
    </Page>
  );
}

/** A request from an app that Twofold cannot go on with (wrong redirect address, expired request…). */
export function AppErrorPage(props: { error: string; description: string | undefined }) {
  return (
    <Page title="This sign-in cannot go on">
      <h1>This sign-in cannot go on</h1>
      <p role="alert">The app that sent you here made a request Twofold cannot accept. Go back to the app and try again; if it happens again, tell whoever runs the app.</p>
      <p>
        Details for them: <code>{props.error}</code>
        {props.description ? <>: {props.description}</> : null}
      </p>
      <p>
        <a href="/">Go to the start page</a>
      </p>
    </Page>
  );
}

/** The app refused this person (its organisation), or needs what they do not have (two factors). */
export function AppRefusedPage(props: { title: string; message: string; csrfToken: string; abortAction: string; offerTwoFactorSetUp?: boolean; signedInAs: string }) {
  return (
    <Page title={props.title} signedInAs={props.signedInAs} csrfToken={props.csrfToken}>
      <h1>{props.title}</h1>
      <ErrorSummary message={props.message} />
      <div class="actions">
        {props.offerTwoFactorSetUp && <a href="/settings/two-factor">Protect my account</a>}
        <form method="post" action={props.abortAction} class="inline">
          <CsrfField token={props.csrfToken} />
          <button type="submit" class="secondary">
            Go back to the app
          </button>
        </form>
      </div>
    </Page>
  );
}

export function InteractionExpiredPage(props: { message: string }) {
  return (
    <Page title="Sign-in request expired">
      <h1>This sign-in request has expired</h1>
      <p role="alert">{props.message}</p>
      <p>
        <a href="/">Go to the start page</a>
      </p>
    </Page>
  );
}
