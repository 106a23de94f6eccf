// The second factors a person can turn on with Protect my account.

/** 'totp': an authenticator app; 'sms': codes by text message; 'webauthn': passkeys and security keys. */
export type TwoFactorMethod = 'totp' | 'sms' | 'webauthn';
