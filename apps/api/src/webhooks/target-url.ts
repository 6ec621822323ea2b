import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Why a target URL is refused: the message names the address, for the 400 and the delivery log. */
export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

/**
 * Addresses a webhook must not reach unless ACCORD_WEBHOOK_ALLOW_PRIVATE=1: a subscription
 * would otherwise let an integration make the API post to the operator's own network (SSRF).
 */
const REFUSED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  REFUSED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some)
  ['ff00::', 8], // multicast
  ['64:ff9b:1::', 48], // local-use NAT64
] as const) {
  REFUSED.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 one embeds (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, IPv4-compatible), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::ffff:0:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return undefined;
}

/** Whether an IP address is private, loopback, link-local, unspecified, multicast or otherwise not public. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return REFUSED.check(address, 'ipv4');
  if (family === 6) {
    const inner = embeddedIpv4(address);
    if (inner !== undefined) return REFUSED.check(inner, 'ipv4');
    return REFUSED.check(address, 'ipv6');
  }
  return true; // not an address at all: refuse rather than guess
}

/** Checks the URL's shape only: http(s), a host, no credentials. */
export function checkTargetShape(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TargetRefusedError(`${url} is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TargetRefusedError(`A webhook target must be http or https, not ${parsed.protocol.replace(':', '')}`);
  }
  if (parsed.username || parsed.password) {
    throw new TargetRefusedError('A webhook target must not carry credentials in its URL');
  }
  if (!parsed.hostname) throw new TargetRefusedError(`${url} names no host`);
  return parsed;
}

/**
 * Resolves the target's host and refuses it when any of its addresses is not public (unless
 * `allowPrivate`). Run at subscription and again before every attempt: a name that resolved
 * to a public address yesterday may resolve to 127.0.0.1 today (DNS rebinding).
 */
export async function checkTarget(url: string, allowPrivate: boolean): Promise<URL> {
  const parsed = checkTargetShape(url);
  if (allowPrivate) return parsed;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (error) {
      throw new TargetRefusedError(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const refused = addresses.find(isRefusedAddress);
  if (refused !== undefined) {
    throw new TargetRefusedError(
      `${host} resolves to ${refused}, a private, loopback or link-local address (ACCORD_WEBHOOK_ALLOW_PRIVATE=1 allows it)`,
    );
  }
  return parsed;
}
