import { describe, expect, it } from 'vitest';
import { canonicalIp, isSameNetwork, judgeRememberedDevice } from '../../src/domain/remembered-devices.js';
import { describeUserAgent } from '../../src/domain/user-agent.js';

describe('network binding', () => {
  it('compares exact addresses with ip, treating IPv4-mapped IPv6 as IPv4', () => {
    expect(isSameNetwork('203.0.113.5', '203.0.113.5', 'ip')).toBe(true);
    expect(isSameNetwork('203.0.113.5', '::ffff:203.0.113.5', 'ip')).toBe(true);
    expect(isSameNetwork('203.0.113.5', '203.0.113.6', 'ip')).toBe(false);
    expect(canonicalIp('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  });

  it('compares the /24 or /64 with subnet', () => {
    expect(isSameNetwork('203.0.113.5', '203.0.113.200', 'subnet')).toBe(true);
    expect(isSameNetwork('203.0.113.5', '203.0.114.5', 'subnet')).toBe(false);
    expect(isSameNetwork('2001:db8:1:2::1', '2001:0db8:0001:0002:ffff::9', 'subnet')).toBe(true);
    expect(isSameNetwork('2001:db8:1:2::1', '2001:db8:1:3::1', 'subnet')).toBe(false);
    expect(isSameNetwork('203.0.113.5', '2001:db8::1', 'subnet')).toBe(false);
  });

  it('ignores the network with none', () => {
    expect(isSameNetwork('203.0.113.5', '198.51.100.1', 'none')).toBe(true);
  });
});

describe('judging a remembered device', () => {
  const device = { userId: 'u1', boundIp: '203.0.113.5', expiresAtMs: 1000 };
  it('trusts it only for its user, before expiry, from its network', () => {
    expect(judgeRememberedDevice(device, 'u1', '203.0.113.5', 999, 'ip')).toEqual({ trusted: true });
    expect(judgeRememberedDevice(device, 'u2', '203.0.113.5', 999, 'ip')).toEqual({ trusted: false, reason: 'unknown' });
    expect(judgeRememberedDevice(device, 'u1', '203.0.113.5', 1000, 'ip')).toEqual({ trusted: false, reason: 'expired' });
    expect(judgeRememberedDevice(device, 'u1', '203.0.113.6', 999, 'ip')).toEqual({ trusted: false, reason: 'network_changed' });
    expect(judgeRememberedDevice(null, 'u1', '203.0.113.5', 0, 'ip')).toEqual({ trusted: false, reason: 'unknown' });
  });
});

describe('describing a browser', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36', 'Chrome on Windows'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0', 'Edge on Windows'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14.0; rv:130.0) Gecko/20100101 Firefox/130.0', 'Firefox on macOS'],
    ['Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['curl/8.0', 'Unknown browser'],
  ])('%s', (ua, expected) => expect(describeUserAgent(ua)).toBe(expected));
});
