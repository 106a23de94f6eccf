// A software WebAuthn authenticator for service-level tests: a real P-256 key, real
// CBOR, real signatures, so @simplewebauthn/server checks it as it checks a browser's
// answer. What a test changes (origin, counter, user verification, user handle) is what
// an attacker or a copied key would change.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_DATA = 0x40;

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export interface AnswerOverrides {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  /** base64url; null leaves it out */
  userHandle?: string | null;
  /** sign another challenge than the options' */
  challenge?: string;
}

export class SoftwareAuthenticator {
  readonly credentialId = b64url(randomBytes(32));
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  /** what the next answer reports; `alwaysZero` keeps it at 0 (a synced passkey) */
  signCount: number;
  userHandle: string | null = null;

  constructor(
    readonly origin: string,
    options: { alwaysZero?: boolean; startCount?: number } = {},
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.alwaysZero = options.alwaysZero ?? false;
    this.signCount = options.startCount ?? 0;
  }
  private readonly alwaysZero: boolean;

  /** A copy of this key as it is now: same credential, same private key, same counter. */
  clone(): SoftwareAuthenticator {
    const copy = Object.create(SoftwareAuthenticator.prototype) as SoftwareAuthenticator;
    Object.assign(copy, this);
    return copy;
  }

  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' });
    const key = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]);
    return isoCBOR.encode(key);
  }

  private counterBytes(): Buffer {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.signCount);
    return bytes;
  }

  private clientData(type: string, challenge: string, origin: string): string {
    return b64url(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }

  /** The browser's startRegistration answer, as JSON text. */
  register(options: CreationOptions, overrides: AnswerOverrides = {}): string {
    this.userHandle = options.user.id;
    const rpId = overrides.rpId ?? options.rp.id!;
    const idBytes = Buffer.from(this.credentialId, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(idBytes.length);
    const flags = FLAG_USER_PRESENT | FLAG_ATTESTED_DATA | ((overrides.userVerified ?? true) ? FLAG_USER_VERIFIED : 0);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), this.counterBytes(), Buffer.alloc(16), idLength, idBytes, Buffer.from(this.coseKey())]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
    return JSON.stringify({
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: { clientDataJSON: this.clientData('webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin), attestationObject: b64url(attestationObject), transports: ['usb', 'made-up'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
    });
  }

  /** The browser's startAuthentication answer, as JSON text; moves the counter on first. */
  answer(options: RequestOptions, overrides: AnswerOverrides = {}): string {
    if (!this.alwaysZero) this.signCount += 1;
    const rpId = overrides.rpId ?? options.rpId!;
    const flags = FLAG_USER_PRESENT | ((overrides.userVerified ?? true) ? FLAG_USER_VERIFIED : 0);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), this.counterBytes()]);
    const clientDataJSON = this.clientData('webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), this.privateKey);
    const userHandle = overrides.userHandle === undefined ? this.userHandle : overrides.userHandle;
    return JSON.stringify({
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: { clientDataJSON, authenticatorData: b64url(authData), signature: b64url(signature), ...(userHandle === null ? {} : { userHandle }) },
      clientExtensionResults: {},
    });
  }
}
