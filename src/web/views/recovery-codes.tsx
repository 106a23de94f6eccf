import type { SignedInUser } from '../../services/sessions.js';
import { CsrfField, ErrorSummary, Page } from './layout.js';
import { SettingsTabs } from './security.js';

/** The codes of a new set: download, copy, print, then "I have saved my recovery codes". */
export function RecoveryCodesPage(props: { user: SignedInUser; csrfToken: string; codes: string[]; madeAtMs: number; turnsOnTwoFactor: boolean; error?: string | undefined }) {
  return (
    <Page title="Save your recovery codes" signedInAs={props.user.email} csrfToken={props.csrfToken} wide scripts={['/assets/recovery-codes.js']}>
      <h1>Save your recovery codes</h1>
      <SettingsTabs />
      <p>
        If you lose your phone or security key, each of these codes signs you in once, in place of a two-factor code. This is the only time we show them.
      </p>
      <p>
        <strong>Keep them somewhere safe and apart from your password</strong>: in a password manager, or printed and filed away. Do not keep them only on the phone you
        use for codes.
      </p>
      <ol class="recovery-codes" id="recovery-codes" aria-label="Your recovery codes">
        {props.codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div class="actions no-print">
        <a class="button secondary" href="/settings/recovery-codes/download" download="twofold-recovery-codes.txt">
          Download (.txt)
        </a>
        <button type="button" class="secondary" data-copy="recovery-codes" hidden>
          Copy
        </button>
        <button type="button" class="secondary" data-print hidden>
          Print
        </button>
      </div>
      <p class="muted no-print" role="status" id="copy-status"></p>
      <ErrorSummary message={props.error} focus />
      <form method="post" action="/settings/recovery-codes/saved" class="no-print" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="shown" value={String(props.madeAtMs)} />
        <div class="check">
          <input type="checkbox" id="saved" name="saved" value="yes" aria-invalid={props.error ? 'true' : undefined} autofocus={!!props.error} />
          <div>
            <label for="saved">I have saved my recovery codes somewhere safe</label>
          </div>
        </div>
        <div class="actions">
          <button type="submit">{props.turnsOnTwoFactor ? 'Turn on two-factor authentication' : 'Done'}</button>
        </div>
      </form>
    </Page>
  );
}
