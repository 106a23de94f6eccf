// Messages shown after a redirect, picked by a fixed code in the URL, so nothing a
// link carries is ever echoed onto the page.
export const NOTICES = {
  password_changed: 'Your password has been changed. Other browsers signed in to your account have been signed out.',
  two_factor_on: 'Two-factor authentication is on. From now on you will be asked for a code from your authenticator app when you sign in.',
  two_factor_on_passkey: 'Two-factor authentication is on. From now on you will use your passkey or security key when you sign in.',
  two_factor_on_sms: 'Two-factor authentication is on. From now on we will text a code to your mobile when you sign in.',
  two_factor_removed: 'Two-factor authentication has been removed. Other browsers signed in to your account have been signed out.',
  signed_out: 'You have signed out.',
  browser_signed_out: 'That browser has been signed out. Its next click will ask it to sign in again.',
  other_sessions_ended: 'Every other browser has been signed out.',
  recovery_codes_saved: 'Your new recovery codes are ready to use. The old ones no longer work.',
  recovery_codes_low: 'You signed in with a recovery code and have few left. Get new recovery codes below, and save them somewhere safe.',
  setup_done: 'Twofold is set up. Sign in with the email and password you just chose.',
  session_ended: 'Your session has ended. Please sign in again.',
  code_sent: 'We sent a new code by text message. Only the newest code works.',
  lost_device_signed_in: 'You signed in with a code sent to your mobile. If you have a new phone, remove the two factor authentication below, then set it up again on your new device.',
  mobile_saved: 'Your mobile number has been saved.',
  mobile_added: 'Your mobile number has been added. If you lose your two-factor device, choose Lost your two-factor device when you sign in and we will text a code to it.',
  two_factor_reset: 'Two-factor authentication has been reset. They have been signed out everywhere and told by text message; they will set it up again at their next sign-in.',
  code_step_unlocked: 'Code entry has been unlocked. They can enter their two-factor code again now, and have been told by email.',
  requirement_saved: 'The two-factor requirement has been saved.',
  reminders_sent: 'Reminder emails are on their way to the people without two-factor authentication. Anyone reminded in the last 7 days was skipped.',
  reminders_none_due: 'No reminder was sent: everyone without two-factor authentication was reminded in the last 7 days.',
  reminders_nobody: 'No reminder was sent: everyone here has two-factor authentication on.',
  password_reset_done: 'Your new password is set and all your sessions have ended. Sign in with it; you will still be asked for your two-factor code.',
  password_reset_done_no_2fa: 'Your new password is set and all your sessions have ended. Sign in with it.',
  invitation_accepted: 'Your password is set. Sign in with it now.',
  invitation_sent: 'A new invitation email is on its way. Earlier invitation links no longer work.',
  person_invited: 'The invitation email is on its way. They choose their password with its link, within 7 days.',
  role_changed: 'The role has been changed. It applies from their next click, and they have been told by email.',
  account_deactivated: 'Deactivated. They have been signed out everywhere, cannot sign in, and have been told by email.',
  account_reactivated: 'Reactivated. They can sign in again, and have been told by email.',
  device_forgotten: 'That device has been forgotten. It will be asked for a code at its next sign-in.',
  sign_in_again: 'The app you came from asks you to sign in again before it goes on.',
  sign_in_again_two_factors: 'The app you came from asks for two-factor authentication: sign in again, and you will be asked for your code even on a remembered device.',
  devices_forgotten: 'All your remembered devices have been forgotten. Each will be asked for a code at its next sign-in.',
} as const;

export type NoticeCode = keyof typeof NOTICES;

export function noticeFor(code: string | undefined): string | undefined {
  return code !== undefined && Object.prototype.hasOwnProperty.call(NOTICES, code) ? NOTICES[code as NoticeCode] : undefined;
}
