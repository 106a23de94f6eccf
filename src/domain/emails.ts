// The emails Twofold sends, as plain text and simple HTML. Every value that came from
// a person is escaped in the HTML; no images, no tracking, nothing remote.

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export const PASSWORD_RESET_LIFETIME_IN_MS = 60 * 60_000;
export const INVITATION_LIFETIME_IN_MS = 7 * 24 * 3_600_000;
/** At most one reset email per account in this time. */
export const PASSWORD_RESET_EMAIL_INTERVAL_IN_MS = 5 * 60_000;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, paragraphs: string[], link?: { url: string; label: string }): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px">${p}</p>`).join('');
  const button = link ? `<p style="margin:0 0 16px"><a href="${escapeHtml(link.url)}" style="color:#0b4fb3">${escapeHtml(link.label)}</a></p>` : '';
  return `<!doctype html><html lang="en-AU"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:Arial,sans-serif;color:#1b1f24;line-height:1.5">${body}${button}<p style="color:#4a5563;font-size:13px">Twofold</p></body></html>`;
}

export function passwordResetEmail(args: { name: string; url: string; twoFactorOn: boolean }): EmailContent {
  const after = args.twoFactorOn ? ' After the new password you will still be asked for your two-factor code as usual.' : '';
  const subject = 'Reset your Twofold password';
  const text = [
    `Hello ${args.name},`,
    '',
    'Someone (we hope you) asked to reset the password of your Twofold account. To choose a new password, open this link within 1 hour:',
    '',
    args.url,
    '',
    `The link works once.${after}`,
    '',
    "If you did not ask for this, you can ignore this email: your password has not changed. If you keep getting these emails, contact your aggregator.",
  ].join('\n');
  const html = layout(
    subject,
    [
      `Hello ${escapeHtml(args.name)},`,
      `Someone (we hope you) asked to reset the password of your Twofold account. To choose a new password, open this link within 1 hour. It works once.${after}`,
      "If you did not ask for this, you can ignore this email: your password has not changed. If you keep getting these emails, contact your aggregator.",
    ],
    { url: args.url, label: 'Choose a new password' },
  );
  return { subject, text, html };
}

export function invitationEmail(args: { name: string; organization: string; url: string }): EmailContent {
  const subject = `You have been invited to Twofold by ${args.organization}`;
  const text = [
    `Hello ${args.name},`,
    '',
    `${args.organization} has created a Twofold account for you. To choose your password, open this link within 7 days:`,
    '',
    args.url,
    '',
    'The link works once. If it has expired, ask your administrator to send a new invitation.',
  ].join('\n');
  const html = layout(
    subject,
    [`Hello ${escapeHtml(args.name)},`, `${escapeHtml(args.organization)} has created a Twofold account for you. To choose your password, open this link within 7 days. It works once; if it has expired, ask your administrator to send a new invitation.`],
    { url: args.url, label: 'Choose your password' },
  );
  return { subject, text, html };
}

/** "Remind people without 2FA": from the person's aggregator, with the way to turn it on. */
export function twoFactorReminderEmail(args: { name: string; organization: string; url: string }): EmailContent {
  const subject = `${args.organization} asks you to turn on two-factor authentication`;
  const steps = 'Sign in, choose Protect my account, and follow the steps. An authenticator app is recommended; a code by text message also works. It takes about two minutes.';
  const why = 'With two-factor authentication on, someone who learns your password still cannot sign in as you.';
  const text = [`Hello ${args.name},`, '', `${args.organization} asks everyone to turn on two-factor authentication for their Twofold account. ${why}`, '', steps, '', args.url, '', 'If you have questions, contact your aggregator.'].join('\n');
  const html = layout(
    subject,
    [`Hello ${escapeHtml(args.name)},`, `${escapeHtml(args.organization)} asks everyone to turn on two-factor authentication for their Twofold account. ${why}`, steps, 'If you have questions, contact your aggregator.'],
    { url: args.url, label: 'Protect my account' },
  );
  return { subject, text, html };
}

export interface SecurityNoticeContext {
  name: string;
  atMs: number;
  ip: string;
  browser: string;
}

/** The security changes each person is told about by email. */
export const SECURITY_NOTICES = {
  password_changed: { subject: 'Your Twofold password was changed', what: 'The password of your Twofold account was changed.' },
  password_reset: { subject: 'Your Twofold password was reset', what: 'The password of your Twofold account was reset with an emailed link. All your sessions were ended and your remembered devices forgotten.' },
  two_factor_enabled: { subject: 'Two-factor authentication was turned on', what: 'Two-factor authentication was turned on for your Twofold account.' },
  two_factor_removed: { subject: 'Two-factor authentication was removed', what: 'Two-factor authentication was removed from your Twofold account. Anyone with your password can now sign in as you.' },
  two_factor_reset: { subject: 'Your two-factor authentication was reset by an administrator', what: 'Your two-factor authentication was reset by {actor}. You will be asked to set it up again at your next sign-in.' },
  mobile_changed: { subject: 'Your mobile number was changed', what: 'The mobile number on your Twofold account was changed.' },
  device_remembered: { subject: 'A device was remembered for 30 days', what: 'A browser was remembered for 30 days: it can sign in to your account with your password alone from the same network.' },
  signed_in_lost_device: { subject: 'You signed in with a code sent to your mobile', what: 'Someone signed in to your account with "Lost your two-factor device": your password and a code sent by SMS to your mobile.' },
  signed_out_after_wrong_passwords: {
    subject: 'Signed out after wrong passwords',
    what: 'A signed-in browser typed your password wrong too many times while confirming a change, so it was signed out. Someone may be using your account.',
  },
  recovery_code_used: {
    subject: 'A recovery code was used to sign in',
    what: 'Someone signed in to your Twofold account with your password and one of your recovery codes. You have {left} recovery codes left.',
  },
  recovery_codes_replaced: { subject: 'New recovery codes were made', what: 'A new set of recovery codes was made for your Twofold account. The old codes no longer work.' },
  passkey_added: { subject: 'A passkey or security key was added', what: 'A passkey or security key was added to your Twofold account. It can now be used to sign in.' },
  passkey_removed: { subject: 'A passkey or security key was removed', what: 'A passkey or security key was removed from your Twofold account.' },
  signed_in_from_new_browser: {
    subject: 'A sign-in from a new browser',
    what: 'Someone signed in to your Twofold account from a browser and address it has not been used from before. You can see every browser signed in to your account, and sign any of them out, under My password and security: {url}',
  },
  code_step_locked: { subject: 'Too many wrong codes: code entry paused', what: 'Too many wrong two-factor codes were entered for your account, so code entry is paused for a while. Someone may know your password.' },
  code_step_unlocked: {
    subject: 'Code entry was unlocked by an administrator',
    what: 'Code entry for your Twofold account was paused after too many wrong two-factor codes, and {actor} has unlocked it: codes can be entered again now.',
    guidance: "If you did not ask for this, someone else may know your password and be guessing your codes: change your password now and contact your aggregator straight away.",
  },
  account_deactivated: {
    subject: 'Your Twofold account was deactivated',
    what: 'Your Twofold account was deactivated by {actor}. You have been signed out everywhere, and you cannot sign in until it is reactivated.',
    guidance: 'If you think this is a mistake, contact your aggregator.',
  },
  account_reactivated: {
    subject: 'Your Twofold account was reactivated',
    what: 'Your Twofold account was reactivated by {actor}: you can sign in again with your password and your two-factor authentication as before.',
  },
  role_changed: {
    subject: 'Your role in Twofold was changed',
    what: 'Your role in Twofold was changed by {actor}: you are now {role}.',
  },
} as const satisfies Record<string, { subject: string; what: string; guidance?: string }>;

export type SecurityNoticeKind = keyof typeof SECURITY_NOTICES;

export interface SecurityNoticeValues {
  actor?: string;
  /** recovery codes left */
  left?: number;
  /** a page of Twofold's the notice points to */
  url?: string;
  /** the person's new role, as they read it ("an administrator") */
  role?: string;
}

export function securityNoticeEmail(kind: SecurityNoticeKind, ctx: SecurityNoticeContext, values: SecurityNoticeValues = {}): EmailContent {
  const notice = SECURITY_NOTICES[kind];
  const what = notice.what.replace('{actor}', values.actor ?? 'your aggregator').replace('{left}', String(values.left ?? 0)).replace('{url}', values.url ?? '').replace('{role}', values.role ?? '');
  const when = new Date(ctx.atMs).toLocaleString('en-AU', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Australia/Sydney' });
  const facts = `When: ${when} (Sydney time)\nIP address: ${ctx.ip}\nBrowser: ${ctx.browser}`;
  const guidance = 'guidance' in notice ? notice.guidance : "If this wasn't you, change your password now and contact your aggregator straight away.";
  const text = [`Hello ${ctx.name},`, '', what, '', facts, '', guidance].join('\n');
  const html = layout(notice.subject, [
    `Hello ${escapeHtml(ctx.name)},`,
    escapeHtml(what),
    facts.split('\n').map(escapeHtml).join('<br>'),
    `<strong>${escapeHtml(guidance)}</strong>`,
  ]);
  return { subject: notice.subject, text, html };
}

/** Retry delays after each failed attempt: quick first, then patient, for about a day in all. */
const RETRY_DELAYS_IN_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000];
export const MAX_EMAIL_ATTEMPTS = RETRY_DELAYS_IN_MS.length + 1;

export function nextEmailAttemptDelayInMs(attemptsSoFar: number): number | null {
  return attemptsSoFar >= MAX_EMAIL_ATTEMPTS ? null : RETRY_DELAYS_IN_MS[Math.max(0, attemptsSoFar - 1)]!;
}
