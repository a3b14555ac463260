/** Key identifiers as upper-case hex without separators (`A1B2…`), like the contract's serials. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}
