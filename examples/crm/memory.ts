// What Harbour CRM remembers between requests, in memory: enough for an example (a real
// app would keep it in its own session store). The browser holds only a random id.
import { randomBytes } from 'node:crypto';

/** A sign-in sent to Twofold and not back yet: what the answer must match. */
export interface PendingSignIn {
  browserId: string;
  codeVerifier: string;
  nonce: string;
  state: string;
  /** the request said acr_values=urn:twofold:acr:2fa: the answer must say two factors */
  wantsTwoFactors: boolean;
  startedAtMs: number;
}

/** Who signed in to the CRM in one browser, as Twofold's ID token says. */
export interface CrmSession {
  claims: Record<string, unknown>;
  /** kept for sign-out: Twofold's end-session endpoint takes it as id_token_hint */
  idToken: string;
  signedInAtMs: number;
}

const PENDING_LIFETIME_IN_MS = 10 * 60_000;
const SESSION_LIFETIME_IN_MS = 8 * 60 * 60_000;
// Anyone can start sign-ins: the oldest are dropped past this, so memory stays bounded.
const MAX_ENTRIES = 10_000;

export const newBrowserId = () => randomBytes(32).toString('base64url');

export class CrmMemory {
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly sessions = new Map<string, CrmSession>();

  constructor(private readonly now: () => number = Date.now) {}

  addPending(sign: Omit<PendingSignIn, 'startedAtMs'>): void {
    this.pending.set(sign.state, { ...sign, startedAtMs: this.now() });
    trim(this.pending);
  }

  /**
   * The sign-in this answer belongs to, once: it must have started in this browser (a
   * link with someone else's state cannot sign this browser in) and not too long ago.
   */
  takePending(state: string | undefined, browserId: string | undefined): PendingSignIn | null {
    if (!state || !browserId) return null;
    const found = this.pending.get(state);
    if (!found || found.browserId !== browserId) return null;
    this.pending.delete(state);
    return this.now() - found.startedAtMs <= PENDING_LIFETIME_IN_MS ? found : null;
  }

  setSession(browserId: string, session: Omit<CrmSession, 'signedInAtMs'>): void {
    this.sessions.delete(browserId);
    this.sessions.set(browserId, { ...session, signedInAtMs: this.now() });
    trim(this.sessions);
  }

  session(browserId: string | undefined): CrmSession | null {
    if (!browserId) return null;
    const found = this.sessions.get(browserId);
    if (!found) return null;
    if (this.now() - found.signedInAtMs > SESSION_LIFETIME_IN_MS) {
      this.sessions.delete(browserId);
      return null;
    }
    return found;
  }

  endSession(browserId: string | undefined): CrmSession | null {
    const found = this.session(browserId);
    if (browserId) this.sessions.delete(browserId);
    return found;
  }
}

/** Maps keep insertion order: the first keys are the oldest. */
function trim(map: Map<string, unknown>): void {
  for (const key of map.keys()) {
    if (map.size <= MAX_ENTRIES) return;
    map.delete(key);
  }
}
