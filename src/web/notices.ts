// Messages shown after a redirect, picked by a fixed code in the URL, so nothing a
// link carries is ever echoed onto the page.
export const NOTICES = {
  password_changed: 'Your password has been changed. Other browsers signed in to your account have been signed out.',
  two_factor_on: 'Two-factor authentication is on. From now on you will be asked for a code from your authenticator app when you sign in.',
  two_factor_removed: 'Two-factor authentication has been removed. Other browsers signed in to your account have been signed out.',
  signed_out: 'You have signed out.',
  setup_done: 'Twofold is set up. Sign in with the email and password you just chose.',
  session_ended: 'Your session has ended. Please sign in again.',
  device_forgotten: 'That device has been forgotten. It will be asked for a code at its next sign-in.',
  devices_forgotten: 'All your remembered devices have been forgotten. Each will be asked for a code at its next sign-in.',
} as const;

export type NoticeCode = keyof typeof NOTICES;

export function noticeFor(code: string | undefined): string | undefined {
  return code !== undefined && Object.prototype.hasOwnProperty.call(NOTICES, code) ? NOTICES[code as NoticeCode] : undefined;
}
