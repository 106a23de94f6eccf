// One table of every failure a person can meet: its code, the sentence they read,
// and the HTTP status. Services return codes; the web layer maps them to pages here
// and nowhere else. Messages never say whether an email has an account.

export const ERRORS = {
  bad_request: { status: 400, message: 'Something in that form was not right. Please try again.' },
  csrf_rejected: { status: 403, message: 'This form has expired or came from another site. Please go back, reload the page and try again.' },
  not_found: { status: 404, message: 'There is nothing at this address.' },
  body_too_large: { status: 413, message: 'That form was too large to accept.' },
  sign_in_required: { status: 401, message: 'Please sign in to continue.' },
  database_unavailable: { status: 503, message: 'We could not reach our database just now. Please try again in a few seconds.' },
  internal: { status: 500, message: 'Something went wrong on our side. Nothing was changed. Please try again.' },

  invalid_credentials: { status: 401, message: 'That email and password do not match an account.' },
  // Only said after the right password: a wrong one for a deactivated account is invalid_credentials, as for anyone.
  account_deactivated: { status: 403, message: 'This account has been deactivated, so it cannot sign in. Contact your aggregator if you need it back.' },
  password_tries_exhausted: { status: 429, message: 'Too many sign-in attempts for this email. Please wait {minutes} minutes and try again.' },
  too_many_failures_from_network: { status: 429, message: 'Too many failed sign-ins from your network. Please wait {minutes} minutes and try again.' },
  sign_in_attempt_expired: { status: 401, message: 'Your sign-in has expired. Please enter your email and password again.' },
  code_tries_exhausted: { status: 401, message: 'Too many wrong codes. Please enter your email and password again.' },
  wrong_code: { status: 401, message: 'That code is not right. Check the code in your authenticator app and try again.' },
  code_already_used: { status: 401, message: 'That code has already been used. Wait for the next code in your authenticator app.' },
  code_step_locked: { status: 429, message: 'Too many wrong codes for this account. Code entry is paused for {minutes} minutes, until {until}.' },

  sms_resend_too_soon: { status: 429, message: 'A code was sent less than 30 seconds ago. Please wait {seconds} seconds before asking for a new one.' },
  sms_limit_reached: { status: 429, message: 'Too many text messages have been sent for this account or number. Please try again in {minutes} minutes.' },
  sms_send_failed: { status: 503, message: 'We could not send the text message just now. Nothing was changed. Please try again in a minute.' },
  sms_number_refused: { status: 400, message: 'Text messages cannot be delivered to the mobile number on your account. Check the number, or contact your aggregator.' },
  sms_code_expired: { status: 401, message: 'That code has expired or was replaced by a newer one. Ask for a new code.' },
  sms_code_tries_exhausted: { status: 401, message: 'Too many wrong codes. Please enter your email and password again.' },
  wrong_sms_code: { status: 401, message: 'That code is not right. Check the text message and try again.' },
  mobile_required: { status: 400, message: 'Add your mobile number first: codes are sent to it by text message.' },
  mobile_locked: { status: 409, message: 'Your mobile number cannot be changed while two-factor authentication is on. Remove the two factor authentication first, then change the number and set it up again.' },
  backup_mobile_expired: { status: 400, message: 'That code has expired or was used up. Please start again: enter the number, your password and a code.' },
  current_factor_code_missing: { status: 400, message: 'Enter the code your authenticator app shows now, or one of your recovery codes.' },
  no_mobile_on_account: { status: 400, message: 'There is no mobile number on your account, so we cannot send you a code. Please contact your aggregator to reset your two-factor authentication.' },
  last_four_wrong: { status: 401, message: 'Those digits do not match the mobile number on your account.' },
  last_four_tries_exhausted: { status: 401, message: 'Too many wrong answers. Please enter your email and password again.' },
  forbidden: { status: 403, message: 'You do not have access to that.' },
  admin_unlocks_rate_limited: { status: 429, message: 'You have unlocked many accounts in the last hour. Please wait before unlocking another.' },
  code_step_not_locked: { status: 409, message: 'Code entry for this person is not paused any more, so there was nothing to unlock.' },
  admin_invites_rate_limited: { status: 429, message: 'You have invited many people in the last hour. Please wait a little before inviting more.' },
  admin_rate_limited: { status: 429, message: 'You have reset many accounts in the last hour. Please wait before resetting another.' },
  reset_reason_required: { status: 400, message: 'Give the reason for this reset, in a few words (at least 3 characters).' },
  reset_verification_required: { status: 400, message: 'Say how you verified that this person is who they say they are (at least 3 characters).' },
  nothing_to_reset: { status: 409, message: 'This person has no two-factor authentication and no remembered device, so there is nothing to reset. They can change their own mobile number in My password and security.' },
  admin_password_wrong: { status: 400, message: 'Your own password is not right. Enter it to confirm the reset.' },
  reset_link_invalid: { status: 400, message: 'This password reset link has expired or was already used. Links work once, for 1 hour: ask for a new one below.' },
  invitation_link_invalid: { status: 400, message: 'This invitation link has expired or was already used. Please ask your administrator to send a new invitation.' },
  already_deactivated: { status: 409, message: 'This person is already deactivated.' },
  not_deactivated: { status: 409, message: 'This person is not deactivated, so there is nothing to reactivate.' },
  target_deactivated: { status: 409, message: 'This person is deactivated. Reactivate them first.' },
  role_unchanged: { status: 409, message: 'This person already has that role.' },
  role_invalid: { status: 400, message: 'Choose a role: member or administrator.' },
  invite_firm_required: { status: 400, message: 'Choose the firm the person belongs to.' },
  already_has_password: { status: 409, message: 'This person has already chosen a password, so there is no invitation to send.' },
  email_invalid: { status: 400, message: 'Enter an email address, like name@example.com.' },
  name_invalid: { status: 400, message: 'Enter a name of up to 100 characters.' },
  organization_name_invalid: { status: 400, message: 'Enter an organisation name of up to 100 characters.' },
  password_missing: { status: 400, message: 'Enter your password.', operator: "Enter the new person's password." },
  password_too_short: { status: 400, message: 'Use at least 12 characters for your password.', operator: 'Use at least 12 characters for the password.' },
  password_too_long: { status: 400, message: 'Use at most 128 characters for your password.', operator: 'Use at most 128 characters for the password.' },
  password_too_weak: { status: 400, message: 'That password is too easy to guess. Try a longer phrase of unrelated words.' },
  password_too_personal: {
    status: 400,
    message: 'That password is made of your name, email or organisation, which anyone could guess. Choose words that have nothing to do with you.',
    operator: "That password is made of the person's name, email or organisation, which anyone could guess. Choose words that have nothing to do with them.",
  },
  passwords_do_not_match: { status: 400, message: 'The two new passwords are not the same.', operator: 'The two passwords typed are not the same. Nothing was changed.' },
  current_password_wrong: { status: 400, message: 'Your current password is not right.' },
  signed_out_after_wrong_passwords: { status: 401, message: 'For your safety you were signed out after too many wrong passwords. Please sign in again.' },
  email_taken: { status: 409, message: 'An account with that email already exists.' },
  organization_exists: { status: 409, message: 'An organisation with that name already exists.' },
  user_unknown: { status: 404, message: 'There is no user with that email.' },
  organization_unknown: { status: 400, message: 'There is no organisation with that name.' },
  organization_unknown_suggest: { status: 400, message: 'There is no organisation with that name. Did you mean "{suggestion}"?' },
  parent_must_be_aggregator: { status: 400, message: 'A firm can only be placed under an aggregator (an organisation with no parent).' },
  mobile_invalid: { status: 400, message: 'Enter an Australian mobile number using digits, like 0412 345 678 (spaces are fine).' },
  mobile_not_australian: { status: 400, message: 'That is not an Australian number. Enter an Australian mobile, like 0412 345 678: text messages are only sent within Australia.' },
  mobile_landline: { status: 400, message: 'That looks like a landline. Enter a mobile number (10 digits starting with 04, like 0412 345 678): codes are sent by text message.' },
  mobile_wrong_length: { status: 400, message: 'That number has the wrong number of digits. An Australian mobile has 10 digits starting with 04, like 0412 345 678 (spaces are fine).' },
  two_factor_already_on: { status: 409, message: 'Two-factor authentication is already on for your account.' },
  two_factor_not_on: { status: 409, message: 'Two-factor authentication is not on for your account.' },
  wrong_recovery_code: { status: 401, message: 'That recovery code is not right, or it has been used already. Check it and try again, or use another code.' },
  recovery_code_already_used: { status: 401, message: 'That recovery code has just been used. Each code works once: use another one.' },
  session_not_found: { status: 404, message: 'That browser is already signed out.' },
  recovery_codes_changed: { status: 409, message: 'Your recovery codes were replaced in another tab or window. Save the codes shown here, then confirm again.' },
  recovery_codes_not_saved: { status: 400, message: 'Tick the box to confirm you have saved your recovery codes.' },
  enrollment_expired: { status: 400, message: 'That set-up has expired. Please start again with Protect my account.' },
  setup_link_invalid: { status: 404, message: 'This setup link is not valid any more. Restart Twofold: it prints a new one on its console while no one has an account.' },
  passkey_failed: { status: 401, message: 'That passkey or security key could not be checked. Please try again, or use another way to sign in.' },
  passkey_request_expired: { status: 400, message: 'That passkey request has expired or was already used. Please try again.' },
  passkey_clone_suspected: { status: 401, message: 'This security key reported fewer uses than before, which happens when a key has been copied, so it was refused. Use another way to sign in, and remove this key from your account.' },
  passkey_already_added: { status: 409, message: 'That passkey or security key is already on an account.' },
  passkey_name_invalid: { status: 400, message: 'Enter a name of up to 60 characters for this passkey.' },
  passkey_not_found: { status: 404, message: 'That passkey is not on your account.' },
  passkey_sign_ins_rate_limited: { status: 429, message: 'Too many passkey sign-ins from your network. Please wait {minutes} minutes and try again.' },
  passkey_limit_reached: { status: 409, message: 'You have 20 passkeys and security keys already. Remove one before adding another.' },
  oidc_client_name_invalid: { status: 400, message: 'Give the app a name of up to 100 characters.' },
  oidc_redirect_uri_invalid: { status: 400, message: 'The address {uri} {why}.' },
  oidc_redirect_uri_missing: { status: 400, message: 'Give at least one --redirect-uri: the address the app receives sign-ins at.' },
  oidc_client_unknown: { status: 404, message: 'There is no app with that client id.' },
  oidc_client_is_public: { status: 409, message: 'That app is public (it signs in with PKCE alone), so it has no secret to rotate.' },
  oidc_interaction_expired: { status: 400, message: 'This sign-in request has expired or was already finished. Go back to the app and sign in again.' },
  oidc_client_not_for_you: { status: 403, message: '{app} is only for people of {organization}, and you are signed in as {email}. Sign out and sign in with the account {organization} gave you.' },
  oidc_two_factor_needed: { status: 403, message: '{app} asks for two-factor authentication, and your account does not have it turned on yet. Turn it on with Protect my account, then sign in to {app} again.' },
  export_dates_backwards: { status: 400, message: 'The From date is after the To date. Choose a From date on or before the To date, or leave either empty.' },
  export_date_invalid: { status: 400, message: 'Enter the dates as day, month and year, or leave them empty.' },
  // The operator's backups and restores (SQLite; PostgreSQL has pg_dump and pg_restore).
  backup_needs_sqlite: { status: 400, message: 'This database is PostgreSQL: back it up with pg_dump and put it back with pg_restore (see Backups in the README).' },
  backup_target_exists: { status: 409, message: '{path} already exists. Choose another file, or add --force to replace it.' },
  backup_source_missing: { status: 400, message: 'There is no file at {path}.' },
  backup_is_the_database: { status: 400, message: '{path} is the database itself, not a backup of it.' },
  backup_not_sqlite: { status: 400, message: '{path} is not a SQLite database ({detail}). Nothing was changed.' },
  backup_damaged: { status: 400, message: '{path} failed SQLite\'s integrity check ({detail}). Nothing was changed.' },
  backup_not_twofold: { status: 400, message: '{path} is a SQLite database, but not a Twofold one. Nothing was changed.' },
  backup_too_new: { status: 400, message: '{path} was made by a newer Twofold (it has migration {migration}, which this version does not know). Upgrade Twofold first, then restore. Nothing was changed.' },
  database_in_use: { status: 409, message: 'Something has {path} open: a Twofold server, another node, or a command. Stop every server that uses it, then try again. Nothing was changed.' },
  // The master secret (TWOFOLD_SECRET) and `twofold secret rotate`.
  secret_mismatch: {
    status: 500,
    message: 'TWOFOLD_SECRET is not the secret this database is sealed with. If it was rotated (`twofold secret rotate`), use the new value; otherwise the one it was set up with. Nothing was changed.',
  },
  secret_rotated_restart: { status: 503, message: 'This server is still running with the master secret that was replaced. Please try again in a minute.' },
  secret_rotation_same: { status: 400, message: 'The new secret is the same as the old one. Nothing was changed.' },
  secret_rotation_too_short: { status: 400, message: 'The new secret must be at least 32 characters (try: openssl rand -base64 32). Nothing was changed.' },
  secret_rotation_missing: { status: 400, message: '{which} is not set, and there is no terminal to ask on. Set it in the environment (never on the command line). Nothing was changed.' },
  secret_rotation_wrong_old: { status: 400, message: 'Some stored values do not open with the old secret ({detail}), so it is not the secret they were sealed with. Nothing was changed.' },
  secret_rotation_raced: { status: 409, message: 'A sealed value in {table} changed during the rotation: a server is still running on this database. Stop every node, then rotate again. Nothing was changed.' },
  setup_already_done: { status: 409, message: 'Twofold is already set up, so this link does nothing. Sign in, or ask your administrator for an invitation.' },
} as const satisfies Record<string, { status: number; message: string; /** the sentence for the operator at the command line, where it differs ("the person", not "you") */ operator?: string }>;

export type ErrorCode = keyof typeof ERRORS;

export function errorMessage(code: ErrorCode, values: Record<string, string | number> = {}): string {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''));
}

/** The sentence the CLI prints: the operator's wording where the table has one. */
export function operatorMessage(error: TwofoldError): string {
  const entry: { message: string; operator?: string } = ERRORS[error.code];
  return entry.operator === undefined ? error.message : entry.operator.replace(/\{(\w+)\}/g, (_, key: string) => String(error.values[key] ?? ''));
}

/**
 * Failures that answer nothing the person typed, so no form shows them: a session the
 * use case ended (the page behind the form needs it) and a database that could not be
 * reached (the error page says to retry, with Retry-After).
 */
const NOT_ABOUT_THE_INPUT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['signed_out_after_wrong_passwords', 'database_unavailable']);

/** A refusal of what was typed or asked, to show where it was asked; anything else goes to the error page. */
export function isRefusal(error: unknown): error is TwofoldError {
  return error instanceof TwofoldError && !NOT_ABOUT_THE_INPUT.has(error.code);
}

/** A failure a use case reports to its caller: a code from the table, never a stack. */
export class TwofoldError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly values: Record<string, string | number> = {},
    options?: ErrorOptions,
  ) {
    super(errorMessage(code, values), options);
    this.name = 'TwofoldError';
  }
}
