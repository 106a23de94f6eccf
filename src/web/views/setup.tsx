import { CsrfField, ErrorSummary, Field, Page } from './layout.js';

export function FirstRunPage(props: { csrfToken: string; token: string; error?: string | undefined; values?: { orgName?: string; name?: string; email?: string } }) {
  return (
    <Page title="Set up Twofold">
      <h1>Set up Twofold</h1>
      <p>Create your organisation (your aggregator) and the first administrator. This link works once.</p>
      <ErrorSummary message={props.error} focus />
      <form method="post" action="/setup" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <Field name="org_name" label="Organisation name" value={props.values?.orgName} maxLength={100} autocomplete="organization" autofocus />
        <Field name="name" label="Your full name" value={props.values?.name} maxLength={100} autocomplete="name" />
        <Field name="email" label="Your email" type="email" value={props.values?.email} maxLength={254} autocomplete="username" />
        <Field name="password" label="Password" type="password" autocomplete="new-password" maxLength={1024} hint="At least 12 characters. A few unrelated words make a strong password." />
        <Field name="confirm_password" label="Password again" type="password" autocomplete="new-password" maxLength={1024} />
        <button type="submit">Create organisation and administrator</button>
      </form>
    </Page>
  );
}
