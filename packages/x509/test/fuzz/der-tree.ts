/**
 * DER as a tree, for mutations that keep the encoding well formed: a duplicated extension, a dropped field, a negative INTEGER,
 * a swapped tag — each re-encoded with correct lengths all the way up, so the parser under test gets past its framing checks
 * and into the meaning. OCTET STRINGs and BIT STRINGs whose content is itself DER (extnValue, an OCSP response, an ECDSA
 * signature) are opened as well, so a CRL number inside its extnValue can be reached.
 */

export interface DerNode {
  tag: number;
  /** children of a constructed element (or of an OCTET/BIT STRING that holds DER); null for a primitive */
  children: DerNode[] | null;
  /** content octets of a primitive */
  content: Uint8Array | null;
  /** how children are wrapped: in a constructed element, an OCTET STRING, or a BIT STRING after its unused-bits octet */
  holds: 'constructed' | 'octets' | 'bits' | null;
}

interface Header {
  tag: number;
  contentStart: number;
  contentEnd: number;
}

/** a strict DER header at `p` within `end`, or null */
function header(buf: Uint8Array, p: number, end: number): Header | null {
  if (p + 2 > end) return null;
  const tag = buf[p] as number;
  if ((tag & 0x1f) === 0x1f) return null;
  const first = buf[p + 1] as number;
  let q = p + 2;
  let length = first;
  if (first >= 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || q + n > end || buf[q] === 0) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[q + i] as number);
    if (length < 0x80) return null;
    q += n;
  }
  return q + length <= end ? { tag, contentStart: q, contentEnd: q + length } : null;
}

/** the elements filling `buf[start, end)` exactly, or null when they do not */
function elements(buf: Uint8Array, start: number, end: number, depth: number): DerNode[] | null {
  const out: DerNode[] = [];
  let p = start;
  while (p < end) {
    const h = header(buf, p, end);
    if (h === null) return null;
    out.push(nodeOf(buf, h, depth));
    p = h.contentEnd;
  }
  return out;
}

function nodeOf(buf: Uint8Array, h: Header, depth: number): DerNode {
  const content = buf.subarray(h.contentStart, h.contentEnd);
  if (depth < 40) {
    if ((h.tag & 0x20) !== 0) {
      const children = elements(buf, h.contentStart, h.contentEnd, depth + 1);
      if (children !== null) return { tag: h.tag, children, content: null, holds: 'constructed' };
    } else if (h.tag === 0x04 && content.length >= 2 && (content[0] === 0x30 || content[0] === 0x02 || content[0] === 0x0a)) {
      const children = elements(buf, h.contentStart, h.contentEnd, depth + 1);
      if (children !== null && children.length > 0) return { tag: h.tag, children, content: null, holds: 'octets' };
    } else if (h.tag === 0x03 && content.length >= 3 && content[0] === 0 && content[1] === 0x30) {
      const children = elements(buf, h.contentStart + 1, h.contentEnd, depth + 1);
      if (children !== null && children.length > 0) return { tag: h.tag, children, content: null, holds: 'bits' };
    }
  }
  return { tag: h.tag, children: null, content: content.slice(), holds: null };
}

/** the tree of one DER element filling `buf` (throws when it is not one) */
export function parseTree(buf: Uint8Array): DerNode {
  const h = header(buf, 0, buf.length);
  if (h === null || h.contentEnd !== buf.length) throw new RangeError('not one DER element');
  return nodeOf(buf, h, 0);
}

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n % 256);
  return [0x80 | out.length, ...out];
}

export function encodeTree(node: DerNode): Uint8Array {
  let content: Uint8Array;
  if (node.children !== null) {
    const parts = node.children.map(encodeTree);
    const size = parts.reduce((n, p) => n + p.length, 0) + (node.holds === 'bits' ? 1 : 0);
    content = new Uint8Array(size);
    let p = node.holds === 'bits' ? 1 : 0;
    for (const part of parts) {
      content.set(part, p);
      p += part.length;
    }
  } else content = node.content ?? new Uint8Array(0);
  const len = lengthOctets(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = node.tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

export function cloneTree(node: DerNode): DerNode {
  return {
    tag: node.tag,
    children: node.children === null ? null : node.children.map(cloneTree),
    content: node.content === null ? null : node.content.slice(),
    holds: node.holds,
  };
}

/** every node, parents before children, with its parent (null for the root) */
export function flatten(root: DerNode): { node: DerNode; parent: DerNode | null }[] {
  const out: { node: DerNode; parent: DerNode | null }[] = [];
  const visit = (node: DerNode, parent: DerNode | null): void => {
    out.push({ node, parent });
    for (const child of node.children ?? []) visit(child, node);
  };
  visit(root, null);
  return out;
}
