// "Remember this device for 30 days", and the article's list of why a remembered
// device is forgotten: the IP address changed, or the cookie is gone. We keep the
// rule and say which one applied, without telling a password-holder the old address.
import { isIP } from 'node:net';

export const REMEMBER_DEVICE_DURATION_IN_MS = 30 * 24 * 3_600_000;

/** REMEMBER_DEVICE_BINDING: `ip` as the article describes, `subnet` (/24 or /64), or `none`. */
export type DeviceBinding = 'ip' | 'subnet' | 'none';
export const DEVICE_BINDINGS: readonly DeviceBinding[] = ['ip', 'subnet', 'none'];

export interface RememberedDevice {
  userId: string;
  boundIp: string;
  expiresAtMs: number;
}

export type DeviceVerdict =
  | { trusted: true }
  /** `unknown`: no such token, or another user's: nothing to say about it */
  | { trusted: false; reason: 'unknown' | 'expired' | 'network_changed' };

export function judgeRememberedDevice(device: RememberedDevice | null, userId: string, ip: string, nowMs: number, binding: DeviceBinding): DeviceVerdict {
  if (device === null || device.userId !== userId) return { trusted: false, reason: 'unknown' };
  if (nowMs >= device.expiresAtMs) return { trusted: false, reason: 'expired' };
  if (!isSameNetwork(device.boundIp, ip, binding)) return { trusted: false, reason: 'network_changed' };
  return { trusted: true };
}

/** "::ffff:10.1.2.3" (an IPv4 client on a dual-stack socket) is 10.1.2.3. */
export function canonicalIp(ip: string): string {
  const lower = ip.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}

export function isSameNetwork(a: string, b: string, binding: DeviceBinding): boolean {
  if (binding === 'none') return true;
  const left = canonicalIp(a);
  const right = canonicalIp(b);
  if (binding === 'ip') return left === right;
  const prefixA = networkPrefix(left);
  return prefixA !== null && prefixA === networkPrefix(right);
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one. */
function networkPrefix(ip: string): string | null {
  if (isIP(ip) === 4) return ip.split('.').slice(0, 3).join('.');
  if (isIP(ip.split('%')[0]!) === 6) return expandIpv6(ip).slice(0, 4).join(':');
  return null;
}

function expandIpv6(ip: string): string[] {
  let text = ip.split('%')[0]!;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") is two 16-bit groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail = ''] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const filler = text.includes('::') ? Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0') : [];
  return [...headGroups, ...filler, ...tailGroups].map((group) => group.padStart(4, '0'));
}
