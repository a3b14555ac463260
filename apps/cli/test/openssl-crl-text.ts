/** One revoked entry as `openssl crl -text` prints it, in the CLI's `--entries` shape. */
export interface OpensslEntry {
  serial: string;
  revokedAt: string;
  reason: string;
  invalidityDate: string | null;
}

export interface OpensslCrl {
  crlNumber: string | null;
  entries: OpensslEntry[];
}

const iso = (text: string): string => new Date(Date.parse(text)).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `Cessation Of Operation` → `cessationOfOperation`, `CA Compromise` → `cACompromise` (RFC 5280 spelling). */
const reasonName = (text: string): string => {
  const joined = text.replace(/\s+/g, '');
  return `${joined.charAt(0).toLowerCase()}${joined.slice(1)}`;
};

/** Reads `openssl crl -text -noout` output: an independent peer for the CLI's CRL reading. */
export function parseOpensslCrlText(text: string): OpensslCrl {
  const lines = text.split('\n').map((l) => l.trim());
  const numberAt = lines.indexOf('X509v3 CRL Number:');
  const entries: OpensslEntry[] = [];
  let current: OpensslEntry | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const serial = /^Serial Number: (-?)([0-9A-F]+)$/.exec(line);
    if (serial) {
      const hex = (serial[2] ?? '').replace(/^0+(?=.)/, '');
      current = { serial: serial[1] ? `-${serial[2] ?? ''}` : hex, revokedAt: '', reason: 'unspecified', invalidityDate: null };
      entries.push(current);
    } else if (current && line.startsWith('Revocation Date: ')) {
      current.revokedAt = iso(line.slice('Revocation Date: '.length));
    } else if (current && line === 'X509v3 CRL Reason Code:') {
      current.reason = reasonName(lines[i + 1] ?? '');
    } else if (current && line === 'Invalidity Date:') {
      current.invalidityDate = iso(lines[i + 1] ?? '');
    }
  }
  return { crlNumber: numberAt >= 0 ? (lines[numberAt + 1] ?? null) : null, entries };
}
