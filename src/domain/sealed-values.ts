// What each sealed value at rest is bound to (AES-GCM associated data), in one place, so
// that sealing, opening and re-sealing under a new master secret cannot disagree, and a
// value moved to another row or column does not open.

export const sealedPurpose = {
  totpSecret: (userId: string) => `totp-secret:${userId}`,
  recoveryCodeReveal: (userId: string) => `recovery-codes:${userId}`,
  oidcClientSecret: (clientId: string) => `oidc-client-secret:${clientId}`,
  oidcSigningKey: (kid: string) => `oidc-signing-key:${kid}`,
  serverKey: (name: string) => `server-key:${name}`,
} as const;

/**
 * Every table holding values sealed under the master secret, with what binds them.
 * `twofold secret rotate` re-seals exactly these: a new sealed column must be added here.
 */
export const SEALED_TABLES = {
  two_factor: sealedPurpose.totpSecret,
  totp_enrollments: sealedPurpose.totpSecret,
  two_factor_activations: sealedPurpose.totpSecret,
  recovery_code_reveals: sealedPurpose.recoveryCodeReveal,
  oidc_clients: sealedPurpose.oidcClientSecret,
  oidc_signing_keys: sealedPurpose.oidcSigningKey,
  server_keys: sealedPurpose.serverKey,
} as const;
export type SealedTable = keyof typeof SEALED_TABLES;

/** The rows of server_keys. */
export const SERVER_KEY = {
  /** a known value sealed under the master secret: proves a secret is the one the database is sealed with */
  secretCheck: 'secret-check',
  /** the HMAC key of recovery codes: random data, not derived, so it survives a rotation (see the README) */
  recoveryCodeHmac: 'recovery-code-hmac',
} as const;

export const SECRET_CHECK_PLAINTEXT = 'twofold: this is the master secret';
