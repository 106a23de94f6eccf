// The page frame and the few form parts every page shares. preact-render-to-string
// escapes every value, so user-supplied text can never become markup.
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';

export function renderPage(page: ComponentChildren): string {
  return '<!doctype html>' + render(<>{page}</>);
}

/** `scripts`: static files under /assets/ (the CSP allows no other); every page works without them. */
/** `refreshTo`: a page that moves on by itself at once (a redirect no form started; see ContinueToAppPage). */
export function Page(props: { title: string; children: ComponentChildren; signedInAs?: string | undefined; csrfToken?: string | undefined; wide?: boolean; full?: boolean; scripts?: string[]; refreshTo?: string }) {
  return (
    <html lang="en-AU">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Twofold`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        {props.refreshTo && <meta http-equiv="refresh" content={`0;url=${props.refreshTo}`} />}
        {props.scripts?.map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            Twofold
          </a>
          {props.signedInAs && props.csrfToken && (
            <form method="post" action="/sign-out" class="inline">
              <CsrfField token={props.csrfToken} />
              <span class="who">{props.signedInAs}</span>
              <button type="submit" class="link-button">
                Sign out
              </button>
            </form>
          )}
        </header>
        <main id="main" class={props.full ? 'full' : props.wide ? 'wide' : undefined}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/**
 * A refused form's message, announced (role=alert). A field in error points at it by
 * `id` (aria-describedby) and takes the focus itself; with no field to blame, `focus`
 * puts the focus here instead, so the message is never ~1,000 px below the fold.
 */
export function ErrorSummary(props: { message: string | undefined; id?: string; focus?: boolean }) {
  if (!props.message) return null;
  return (
    <div class="alert alert-error" role="alert" id={props.id} tabindex={props.focus ? -1 : undefined} autofocus={props.focus || undefined}>
      {props.message}
    </div>
  );
}

export function Notice(props: { message: string | undefined }) {
  if (!props.message) return null;
  return (
    <div class="alert alert-ok" role="status">
      {props.message}
    </div>
  );
}

export function Field(props: {
  name: string;
  /** when two forms on one page have a field of the same name */
  id?: string;
  label: string;
  type?: string;
  autocomplete?: string;
  value?: string | undefined;
  hint?: string;
  required?: boolean;
  inputMode?: 'numeric' | 'email' | 'tel' | 'text';
  pattern?: string;
  maxLength?: number;
  autofocus?: boolean;
  /** the id of the ErrorSummary that blames this field: marked invalid, described by it, focused */
  error?: string | undefined;
}) {
  const id = props.id ?? `field-${props.name}`;
  const hintId = props.hint ? `${id}-hint` : undefined;
  const describedBy = [hintId, props.error].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autocomplete={props.autocomplete}
        value={props.value}
        required={props.required ?? true}
        inputMode={props.inputMode}
        pattern={props.pattern}
        maxLength={props.maxLength}
        autofocus={props.autofocus ?? (props.error ? true : undefined)}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy}
      />
    </div>
  );
}

/** The one-time-code input: phones offer the code from a text message; a keypad, not a keyboard. */
export function CodeField(props: { label: string; hint?: string; autofocus?: boolean; error?: string | undefined }) {
  return <Field name="code" label={props.label} autocomplete="one-time-code" inputMode="numeric" maxLength={12} autofocus={props.autofocus ?? true} error={props.error} {...(props.hint ? { hint: props.hint } : {})} />;
}
