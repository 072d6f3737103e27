/** Which client a failed authentication attempt is counted against. */

/** Every request whose address cannot be trusted shares this bucket. */
const UNTRUSTED_CLIENT = "local";

const HEXTET = /^[0-9a-f]{1,4}$/;
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Cloudflare sets CF-Connecting-IP on every request it hands the Worker, replacing any a client
 * sent, and its edge serves hostnames only. A request addressed to an IP address or localhost came
 * some other way (wrangler dev), where the header is the client's own word.
 */
function viaCloudflare(hostname: string): boolean {
  return !(hostname === "localhost" || hostname.endsWith(".localhost") || hostname.startsWith("[") || /^[\d.]+$/.test(hostname));
}

/** The /64 of an IPv6 address in one spelling ("2001:db8:0:1::/64"), or null if it is not one. */
function ipv6Network(address: string): string | null {
  const halves = address.toLowerCase().split("::");
  if (halves.length > 2) return null;
  const [head = [], tail] = halves.map((half) => (half === "" ? [] : half.split(":")));
  const zeros = tail === undefined ? 0 : 8 - head.length - tail.length;
  if (zeros < 0 || (tail !== undefined && zeros === 0)) return null;
  const groups = [...head, ...Array<string>(zeros).fill("0"), ...(tail ?? [])];
  if (groups.length !== 8 || !groups.every((group) => HEXTET.test(group))) return null;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(":")}::/64`;
}

/**
 * The bucket of the failed-attempt limit this request falls in: its IPv4 address, or the /64 of
 * its IPv6 address (one subscriber's block, any address of which they may use), as Cloudflare
 * reports it. Requests that did not come through Cloudflare share one bucket.
 */
export function failureBucket(request: Request): string {
  const address = request.headers.get("CF-Connecting-IP")?.trim();
  if (!address || !viaCloudflare(new URL(request.url).hostname)) return UNTRUSTED_CLIENT;
  const mapped = IPV4_MAPPED.exec(address)?.[1];
  if (mapped) return mapped;
  // Cloudflare sends well-formed addresses; anything else still gets a bucket of its own, bounded in size.
  return address.includes(":") ? (ipv6Network(address) ?? address.slice(0, 64)) : address.slice(0, 64);
}
