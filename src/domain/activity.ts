// Every kind of security event, and how each reads in the activity lists and the CSV
// export. The labels are a Record over the kinds: an event without a label does not compile.

export type SecurityEventType =
  | 'signed_in'
  | 'signed_in_lost_device'
  | 'signed_out'
  | 'signed_out_after_wrong_passwords'
  | 'password_failed'
  | 'password_reentry_failed'
  | 'code_failed'
  | 'code_replayed'
  | 'code_step_locked'
  | 'code_step_unlocked'
  | 'last_four_failed'
  | 'password_changed'
  | 'password_reset'
  | 'two_factor_enabled'
  | 'two_factor_removed'
  | 'two_factor_reset'
  | 'mobile_changed'
  | 'device_remembered'
  | 'device_forgotten'
  | 'remembered_device_refused'
  | 'sms_code_sent'
  | 'account_created'
  | 'organization_created'
  | 'admin_access_refused'
  | 'two_factor_requirement_changed'
  | 'invitation_sent'
  | 'recovery_code_used'
  | 'recovery_code_used_to_confirm'
  | 'sms_refused_number_limit'
  | 'sms_refused_account_limit'
  | 'sms_refused_address_limit'
  | 'two_factor_reminder_sent'
  | 'recovery_codes_replaced'
  | 'session_ended'
  | 'passkey_added'
  | 'passkey_renamed'
  | 'passkey_removed'
  | 'passkey_failed'
  | 'passkey_clone_suspected'
  | 'app_signed_in'
  | 'app_access_refused'
  | 'account_deactivated'
  | 'account_reactivated'
  | 'role_changed'
  | 'sign_in_refused_deactivated';

const LABELS: Record<SecurityEventType, string> = {
  signed_in: 'Signed in',
  signed_in_lost_device: 'Signed in with a code sent by SMS (lost device)',
  signed_out: 'Signed out',
  password_failed: 'Wrong password',
  password_reentry_failed: 'Wrong password typed to confirm a change',
  signed_out_after_wrong_passwords: 'Signed out after too many wrong passwords',
  code_failed: 'Wrong two-factor code',
  code_replayed: 'Two-factor code used twice',
  code_step_locked: 'Code entry paused after too many wrong codes',
  code_step_unlocked: 'Code entry unlocked by an administrator',
  last_four_failed: 'Wrong last 4 digits of the mobile number',
  password_changed: 'Password changed',
  password_reset: 'Password reset by email',
  two_factor_enabled: 'Two-factor authentication turned on',
  two_factor_removed: 'Two-factor authentication removed',
  two_factor_reset: 'Two-factor authentication reset by an administrator',
  mobile_changed: 'Mobile number changed',
  device_remembered: 'Device remembered for 30 days',
  device_forgotten: 'Remembered devices forgotten',
  remembered_device_refused: 'Remembered device refused: different network',
  sms_code_sent: 'SMS code sent',
  account_created: 'Account created',
  admin_access_refused: 'Admin access refused',
  two_factor_requirement_changed: 'Two-factor requirement changed',
  invitation_sent: 'Invitation sent',
  organization_created: 'Organisation created',
  recovery_code_used: 'Signed in with a recovery code',
  recovery_code_used_to_confirm: 'Recovery code used to confirm a change',
  sms_refused_number_limit: 'SMS code not sent: this mobile number has had too many codes',
  sms_refused_account_limit: 'SMS code not sent: this account has asked for too many codes',
  sms_refused_address_limit: 'SMS code not sent: too many codes asked for from this network address',
  two_factor_reminder_sent: 'Reminded by email to turn on two-factor authentication',
  recovery_codes_replaced: 'New recovery codes made (the old ones stopped working)',
  session_ended: 'Signed out another browser from settings',
  passkey_added: 'Passkey or security key added',
  passkey_renamed: 'Passkey or security key renamed',
  passkey_removed: 'Passkey or security key removed',
  passkey_failed: 'Passkey or security key refused',
  passkey_clone_suspected: 'Security key refused: it looks copied (its use count went backwards)',
  app_signed_in: 'Signed in to an app through Twofold',
  app_access_refused: 'Refused entry to an app that is only for another organisation',
  account_deactivated: 'Account deactivated: signed out everywhere, cannot sign in',
  account_reactivated: 'Account reactivated: can sign in again',
  role_changed: 'Role changed',
  sign_in_refused_deactivated: 'Sign-in refused: the account is deactivated',
};

export function activityLabel(type: string): string {
  return (LABELS as Record<string, string>)[type] ?? type.replace(/_/g, ' ');
}

/** A CSV cell that a spreadsheet will neither split nor run as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  // =, +, -, @ (and tab or CR) at the start make Excel and Sheets evaluate the cell.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
