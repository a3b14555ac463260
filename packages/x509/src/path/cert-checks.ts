import type { ParsedCertificate } from '../cert/types.js';
import { formatTime } from '../der/time.js';
import type { PathError } from './types.js';

/**
 * RFC 5280 §6.1.3–6.1.4 for one built chain (target first, trust anchor last), everything but signatures (checked while building)
 * and revocation: validity at `timeMs` for every certificate including the anchor (as OpenSSL does), unrecognised critical
 * extensions, and for each intermediate CA certificate basicConstraints cA, keyUsage keyCertSign and pathLenConstraint.
 * Trust anchors are trusted as configured: their extensions are not judged.
 */
export function checkChain(chain: readonly ParsedCertificate[], timeMs: number): PathError[] {
  const errors: PathError[] = [];
  const anchorDepth = chain.length - 1;
  chain.forEach((cert, depth) => {
    errors.push(...checkValidity(cert, timeMs, depth));
    if (depth === anchorDepth && depth > 0) return;
    for (const ext of cert.extensions) {
      if (ext.critical && !ext.known) {
        errors.push({
          code: 'UNHANDLED_CRITICAL_EXTENSION',
          message: `${cert.subject.text} has critical extension ${ext.oid}, which this validator does not process`,
          depth,
        });
      }
    }
    if (depth > 0 && depth < anchorDepth) errors.push(...checkIntermediate(chain, depth));
  });
  return errors;
}

export function checkValidity(cert: ParsedCertificate, timeMs: number, depth: number): PathError[] {
  if (timeMs < cert.notBefore.getTime()) {
    return [{ code: 'CERT_NOT_YET_VALID', message: `${cert.subject.text} is not valid before ${formatTime(cert.notBefore)}`, depth }];
  }
  if (timeMs > cert.notAfter.getTime()) {
    return [{ code: 'CERT_EXPIRED', message: `${cert.subject.text} expired at ${formatTime(cert.notAfter)}`, depth }];
  }
  return [];
}

function checkIntermediate(chain: readonly ParsedCertificate[], depth: number): PathError[] {
  const cert = chain[depth] as ParsedCertificate;
  const errors: PathError[] = [];
  if (!cert.basicConstraints?.cA) {
    errors.push({
      code: 'NOT_A_CA',
      message: `${cert.subject.text} issues certificates but is not a CA (basicConstraints cA is not true)`,
      depth,
    });
  }
  if (cert.keyUsage && !cert.keyUsage.keyCertSign) {
    errors.push({
      code: 'KEY_USAGE_NO_CERT_SIGN',
      message: `${cert.subject.text} issues certificates but its keyUsage lacks keyCertSign`,
      depth,
    });
  }
  const pathLen = cert.basicConstraints?.pathLenConstraint ?? null;
  if (pathLen !== null) {
    // §6.1.4 (l)/(m): only non-self-issued intermediates below this CA count; the target never does.
    let below = 0;
    for (let i = 1; i < depth; i++) if (!(chain[i] as ParsedCertificate).selfIssued) below++;
    if (below > pathLen) {
      errors.push({
        code: 'PATH_LENGTH_EXCEEDED',
        message: `${cert.subject.text} allows ${pathLen} intermediate CA(s) below it, the path has ${below}`,
        depth,
      });
    }
  }
  return errors;
}
