/**
 * Mutations of a seed: structural ones on its DER tree (re-encoded with correct lengths, so they reach the parser's meaning) and
 * raw ones on its bytes (so they reach its framing: lengths, tags, truncation, stray bytes). A case stacks one to four of them.
 */
import { cloneTree, encodeTree, flatten, type DerNode } from './der-tree.ts';
import type { Rng } from './prng.ts';

/** byte values that sit on a boundary of DER's rules (short/long length forms, sign bits, BOOLEAN) */
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0xff, 0x30, 0x31, 0xa0, 0xa3, 0x04, 0x05];

const TAGS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31, 0x80, 0x81, 0x82, 0x86, 0xa0, 0xa1, 0xa2, 0xa3,
  0x1f,
];

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** contents worth putting in a primitive: empty, sign and length edges of INTEGER, non-minimal forms, odd times, long runs */
const INTERESTING_CONTENTS: readonly Uint8Array[] = [
  new Uint8Array(0),
  Uint8Array.of(0),
  Uint8Array.of(0x80),
  Uint8Array.of(0xff),
  Uint8Array.of(0x00, 0x7f),
  Uint8Array.of(0xff, 0x80),
  Uint8Array.of(0x01, ...new Uint8Array(20)),
  Uint8Array.of(0x00, ...new Uint8Array(20).fill(0xff)),
  new Uint8Array(300).fill(0x7f),
  Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d),
  Uint8Array.of(0x55, 0x1d, 0x14),
  Uint8Array.of(0x55, 0x1d, 0x15),
  Uint8Array.of(0x80, 0x01),
  ascii('491231235959Z'),
  ascii('500101000000Z'),
  ascii('20240229235960Z'),
  ascii('19991231235959.5Z'),
  ascii('2024022923595Z'),
  ascii('240230120000Z'),
  ascii('991399999999Z'),
  ascii('https://example.test/crl'),
  Uint8Array.of(0xc3, 0x28, 0xa0, 0xa1),
];

type TreeOp = (root: DerNode, rng: Rng) => DerNode;

function someNode(root: DerNode, rng: Rng, want: (n: DerNode) => boolean): { node: DerNode; parent: DerNode | null } | null {
  const all = flatten(root).filter((e) => want(e.node));
  return all.length === 0 ? null : rng.pick(all);
}

const TREE_OPS: readonly TreeOp[] = [
  // duplicate a child: a second extension, entry, attribute, certificate, single response
  (root, rng) => {
    const e = someNode(root, rng, (n) => (n.children?.length ?? 0) > 0);
    if (e?.node.children) {
      const k = rng.int(e.node.children.length);
      e.node.children.splice(k + 1, 0, cloneTree(e.node.children[k] as DerNode));
    }
    return root;
  },
  // drop a child
  (root, rng) => {
    const e = someNode(root, rng, (n) => (n.children?.length ?? 0) > 0);
    if (e?.node.children) e.node.children.splice(rng.int(e.node.children.length), 1);
    return root;
  },
  // swap two children
  (root, rng) => {
    const e = someNode(root, rng, (n) => (n.children?.length ?? 0) > 1);
    if (e?.node.children) {
      const c = e.node.children;
      const a = rng.int(c.length);
      const b = rng.int(c.length);
      [c[a], c[b]] = [c[b] as DerNode, c[a] as DerNode];
    }
    return root;
  },
  // new content for a primitive (or for an opened string)
  (root, rng) => {
    const e = someNode(root, rng, (n) => n.children === null || n.holds !== 'constructed');
    if (e) {
      e.node.children = null;
      e.node.holds = null;
      if (rng.chance(0.6)) e.node.content = rng.pick(INTERESTING_CONTENTS).slice();
      else e.node.content = Uint8Array.from({ length: rng.int(48) }, () => rng.int(256));
    }
    return root;
  },
  // another tag
  (root, rng) => {
    const e = someNode(root, rng, () => true);
    if (e) e.node.tag = rng.chance(0.8) ? rng.pick(TAGS) : rng.int(256);
    return root;
  },
  // one more level: the element wrapped in a SEQUENCE
  (root, rng) => {
    const e = someNode(root, rng, (n) => n !== root);
    if (e?.parent?.children) {
      const i = e.parent.children.indexOf(e.node);
      e.parent.children[i] = { tag: 0x30, children: [e.node], content: null, holds: 'constructed' };
    }
    return root;
  },
  // one level less: an element replaced by one of its children
  (root, rng) => {
    const e = someNode(root, rng, (n) => n !== root && (n.children?.length ?? 0) > 0);
    if (e?.parent?.children && e.node.children) {
      const i = e.parent.children.indexOf(e.node);
      e.parent.children[i] = rng.pick(e.node.children);
    }
    return root;
  },
  // an INTEGER one up or one down (a CRL number, a serial, a version), borrowing and carrying across octets
  (root, rng) => {
    const e = someNode(root, rng, (n) => n.tag === 0x02 && n.content !== null && n.content.length > 0);
    const c = e?.node.content;
    if (c) {
      const up = rng.chance(0.5);
      for (let i = c.length - 1; i >= 0; i--) {
        const v = (c[i] as number) + (up ? 1 : -1);
        c[i] = v & 0xff;
        if (v >= 0 && v <= 0xff) break;
      }
    }
    return root;
  },
];

type RawOp = (b: Uint8Array, rng: Rng) => Uint8Array;

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at), 0);
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

const RAW_OPS: readonly RawOp[] = [
  // flip a bit
  (b, rng) => {
    if (b.length === 0) return b;
    const out = b.slice();
    const i = rng.int(out.length);
    out[i] = (out[i] as number) ^ (1 << rng.int(8));
    return out;
  },
  // a boundary value somewhere
  (b, rng) => {
    if (b.length === 0) return b;
    const out = b.slice();
    out[rng.int(out.length)] = rng.pick(INTERESTING_BYTES);
    return out;
  },
  // a length octet made odd: the byte after a random position read as a length
  (b, rng) => {
    if (b.length < 2) return b;
    const out = b.slice();
    const i = 1 + rng.int(out.length - 1);
    const v = out[i] as number;
    out[i] = rng.pick([0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff, (v + 1) & 0xff, (v - 1) & 0xff]);
    return out;
  },
  // stray bytes
  (b, rng) =>
    splice(
      b,
      rng.int(b.length + 1),
      0,
      Uint8Array.from({ length: rng.between(1, 8) }, () => rng.pick(INTERESTING_BYTES)),
    ),
  // a hole
  (b, rng) => {
    if (b.length === 0) return b;
    const at = rng.int(b.length);
    return splice(b, at, Math.min(b.length - at, rng.between(1, 16)), new Uint8Array(0));
  },
  // a run copied elsewhere
  (b, rng) => {
    if (b.length === 0) return b;
    const from = rng.int(b.length);
    const run = b.slice(from, Math.min(b.length, from + rng.between(1, 64)));
    return splice(b, rng.int(b.length + 1), 0, run);
  },
  // cut short
  (b, rng) => b.subarray(0, rng.int(b.length)),
];

/** one mutated input from `seed` (its bytes and its tree, neither changed) */
export function mutate(seed: Uint8Array, tree: DerNode, rng: Rng): Uint8Array {
  let bytes = seed;
  if (rng.chance(0.55)) {
    let root = cloneTree(tree);
    for (let n = rng.between(1, 3); n > 0; n--) root = rng.pick(TREE_OPS)(root, rng);
    bytes = encodeTree(root);
    if (rng.chance(0.25)) bytes = rng.pick(RAW_OPS)(bytes, rng);
  } else {
    for (let n = rng.between(1, 4); n > 0; n--) bytes = rng.pick(RAW_OPS)(bytes, rng);
  }
  return bytes;
}
