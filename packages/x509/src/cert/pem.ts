import { X509Error, type X509ErrorCode } from '../errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The DER inside text input: the first PEM block whose label is one of `labels`, or — when the text has no PEM armour at all —
 * the whole text as bare base64 (what the API's `"certificate": "<PEM or base64 DER>"` accepts).
 * Throws X509Error `code` naming what was wrong (never echoing the input: it may be a personal certificate).
 */
export function decodePemOrBase64(text: string, labels: readonly string[], code: X509ErrorCode): Uint8Array {
  const block = PEM_BLOCK.exec(text);
  let body: string;
  if (block) {
    const label = block[1] ?? '';
    if (!labels.includes(label)) throw new X509Error(code, `PEM block is "${label}", expected ${labels.map((l) => `"${l}"`).join(' or ')}`);
    body = block[2] ?? '';
  } else {
    if (text.includes('-----BEGIN')) throw new X509Error(code, 'PEM block without a matching END line');
    body = text;
  }
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0) throw new X509Error(code, 'empty input');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) throw new X509Error(code, 'text is neither PEM nor base64');
  return new Uint8Array(Buffer.from(compact, 'base64'));
}
