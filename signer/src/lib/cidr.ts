import { InputError } from "./errors";
import { quoteInput } from "./terminal";

/** An IPv4 CIDR block as used in a policy's `IpAddress` condition. */
export interface Ipv4Cidr {
  /** normalized "a.b.c.d/n" (a bare address gets "/32"); this is the text put in the policy */
  text: string;
  /** the network address as an unsigned 32-bit integer (host bits cleared) */
  network: number;
  prefix: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted-quad IPv4 address to an unsigned 32-bit integer; undefined if it is not one. */
export function parseIpv4(text: string): number | undefined {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = m[i];
    // Leading zeros are refused: some parsers read "010" as octal 8, so the meaning is ambiguous.
    if (octet.length > 1 && octet[0] === "0") return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

let lastCidrIn: string | undefined;
let lastCidrOut: Ipv4Cidr | undefined;

/**
 * Parses an IPv4 CIDR (`192.0.2.0/24`) or a bare address (`192.0.2.7`, meaning /32).
 * IPv6 is refused: CloudFront policies only support IPv4 (spec §8).
 */
export function parseIpv4Cidr(text: string, field = "ipAddress"): Ipv4Cidr {
  // Batches sign with one IP condition: remember the last valid one (a fresh copy each time).
  if (text === lastCidrIn && lastCidrOut !== undefined) return { ...lastCidrOut };
  const out = parseIpv4CidrUncached(text, field);
  lastCidrIn = text;
  lastCidrOut = out;
  return { ...out };
}

function parseIpv4CidrUncached(text: string, field: string): Ipv4Cidr {
  if (text.includes(":")) {
    throw new InputError(
      `${field}: ${quoteInput(text)} is IPv6; CloudFront IP conditions support IPv4 only (disable IPv6 on the distribution and give an IPv4 address or CIDR)`,
    );
  }
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? "32" : text.slice(slash + 1);
  const address = parseIpv4(addressText);
  if (address === undefined) {
    throw new InputError(`${field}: ${quoteInput(text)} is not an IPv4 address or CIDR; use a.b.c.d or a.b.c.d/n (octets 0-255)`);
  }
  if (!/^(?:[0-9]|[12][0-9]|3[0-2])$/.test(prefixText)) {
    throw new InputError(`${field}: ${quoteInput(text)} has an invalid prefix length; use /0 to /32`);
  }
  const prefix = Number(prefixText);
  return { text: `${addressText}/${prefix}`, network: (address & mask(prefix)) >>> 0, prefix };
}

/**
 * True when `ip` is an IPv4 address inside `cidr`. Node reports IPv4 peers of a dual-stack socket as
 * `::ffff:a.b.c.d`; that form is read as the IPv4 address. Any other non-IPv4 input gives false.
 */
export function ipv4InCidr(ip: string, cidr: Ipv4Cidr): boolean {
  const text = ip.toLowerCase().startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
  const address = parseIpv4(text);
  if (address === undefined) return false;
  return ((address & mask(cidr.prefix)) >>> 0) === cidr.network;
}

function dotted(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/**
 * parseIpv4Cidr for a policy being signed: a block whose address has host bits set (`10.0.0.1/8`) is
 * refused, not normalised, because either the network (`10.0.0.0/8`) or the one address could be meant,
 * and what CloudFront does with such a block is undocumented.
 */
export function parseIpv4Network(text: string, field = "ipAddress"): Ipv4Cidr {
  const cidr = parseIpv4Cidr(text, field);
  const address = cidr.text.slice(0, cidr.text.indexOf("/"));
  if (parseIpv4(address) !== cidr.network) {
    const network = `${dotted(cidr.network)}/${cidr.prefix}`;
    throw new InputError(
      `${field}: "${text}" has host bits set, so it is refused rather than guessed; write ${network} for the whole network, or ${address} (= ${address}/32) for the one address`,
    );
  }
  return cidr;
}
