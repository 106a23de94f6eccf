import type { SignedInUser } from '../../services/sessions.js';
import { Page } from './layout.js';

export function HomePage(props: { user: SignedInUser; csrfToken: string; organization: string; twoFactorOn: boolean; isAdmin: boolean }) {
  return (
    <Page title="Your account" signedInAs={props.user.email} csrfToken={props.csrfToken}>
      <h1>Welcome, {props.user.name}</h1>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{props.user.email}</dd>
        <dt>Organisation</dt>
        <dd>{props.organization}</dd>
        <dt>Role</dt>
        <dd>{props.user.role === 'admin' ? 'Administrator' : 'Member'}</dd>
        <dt>Two-factor</dt>
        <dd>{props.twoFactorOn ? 'On' : 'Off'}</dd>
      </dl>
      <div class="actions">
        <a class="button secondary" href="/settings/security">
          Settings
        </a>
        {props.isAdmin && (
          <a class="button secondary" href="/admin">
            Admin
          </a>
        )}
      </div>
      {!props.twoFactorOn && (
        <p class="muted">
          Your account is protected by your password only. Go to <a href="/settings/security">My password and security</a> and choose{' '}
          <strong>Protect my account</strong>.
        </p>
      )}
    </Page>
  );
}
