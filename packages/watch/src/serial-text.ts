/** the contract's serial form (shortest upper-case hex, `-01` for a negative value) back to a value */
export function parseHexSerial(s: string): bigint {
  return s.startsWith('-') ? -BigInt(`0x${s.slice(1)}`) : BigInt(`0x${s}`);
}
