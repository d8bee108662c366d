/**
 * Private and link-local network addresses, refused as destinations of requests Edgewrite makes on a
 * user's behalf (webhooks). The check reads the host as `fetch` will: the WHATWG URL parser already
 * turns every IPv4 spelling (decimal `2130706433`, hex `0x0a000001`, octal `012.0.0.1`, short `10.1`,
 * percent-encoded, full-width digits) into a dotted quad and prints IPv6 in canonical hex, so the check
 * and the connection agree on the address. IPv4 embedded in IPv6 (mapped, compatible, NAT64) is judged
 * as the IPv4 address it carries.
 *
 * Loopback (127/8, ::1, localhost) is allowed on purpose: local receivers are how people develop.
 * DNS names are not resolved (a Worker cannot resolve before `fetch`), so a name pointing at a
 * private address is not caught here.
 */

/** [first address, prefix length]: RFC 1918, link-local, "this network", shared (CGNAT), multicast and reserved. */
const PRIVATE_V4: [number, number][] = [
  [ipv4("0.0.0.0")!, 8],
  [ipv4("10.0.0.0")!, 8],
  [ipv4("100.64.0.0")!, 10],
  [ipv4("169.254.0.0")!, 16],
  [ipv4("172.16.0.0")!, 12],
  [ipv4("192.168.0.0")!, 16],
  [ipv4("224.0.0.0")!, 3], // 224/4 multicast + 240/4 reserved and broadcast
];

function ipv4(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((n) => n > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** The eight 16-bit groups of an IPv6 address in hex notation (with `::`), or null. */
function ipv6(host: string): number[] | null {
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  const total = groups.reduce((n, g) => n + g.length, 0);
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = halves.length === 1 ? groups[0]! : [...groups[0]!, ...Array<string>(8 - total).fill("0"), ...groups[1]!];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

const v4Private = (a: number) => PRIVATE_V4.some(([base, bits]) => (a ^ base) >>> (32 - bits) === 0);

function v6Private(g: number[]): boolean {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  const embedded = ((g[6]! << 16) | g[7]!) >>> 0;
  if (zeroUpTo(7) && g[7]! <= 1) return g[7] === 0; // :: is unspecified (refused); ::1 is loopback
  if (zeroUpTo(5) && g[5] === 0xffff) return v4Private(embedded); // ::ffff:a.b.c.d (mapped)
  if (zeroUpTo(6)) return v4Private(embedded); // ::a.b.c.d (compatible, deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4Private(embedded); // NAT64
  const first = g[0]!;
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0 || (first & 0xff00) === 0xff00; // ULA, link-local, site-local, multicast
}

/** Is this URL hostname (`new URL(u).hostname`) a literal private or link-local address? */
export function isPrivateHost(hostname: string): boolean {
  const v4 = ipv4(hostname);
  if (v4 !== null) return v4Private(v4);
  if (hostname.startsWith("[") && hostname.endsWith("]")) {
    const v6 = ipv6(hostname.slice(1, -1));
    return v6 === null || v6Private(v6); // an address the parser printed but we cannot read: refuse
  }
  return false;
}

/** Does this URL point at a literal private or link-local address? (False for unparsable URLs: validate those first.) */
export function isPrivateUrl(url: string): boolean {
  return URL.canParse(url) && isPrivateHost(new URL(url).hostname);
}
