/**
 * A watch-list row (`customerId,issuer,serial[,notAfter]`) to a WatchEntryInput, with errors naming the line and field. The CSV
 * itself is read by the caller (the CLI uses papaparse); this is the validation both the CLI and other importers share.
 */
import { parseSerial } from '@jpki-validator/x509';
import { WatchError, WatchRowError } from './errors.js';
import type { WatchEntryInput } from './types.js';

export interface IssuerEntry {
  id: string;
  group: string;
}

/** An issuer (CA id or group) to the CA ids it stands for. With no issuers configured, an issuer is taken as a CA id. */
export function createIssuerResolver(issuers: readonly IssuerEntry[]): (issuer: string) => readonly string[] {
  return (issuer) => {
    if (issuers.length === 0) return [issuer];
    const byId = issuers.filter((i) => i.id === issuer);
    const ids = byId.length > 0 ? byId : issuers.filter((i) => i.group === issuer);
    if (ids.length === 0) throw new WatchError('WATCH_ISSUER_UNKNOWN', `issuer "${issuer}" is neither a configured CA id nor a group`);
    return ids.map((i) => i.id);
  };
}

export function parseWatchRow(
  row: Readonly<Record<string, string | undefined>>,
  line: number,
  resolveIssuer: (issuer: string) => readonly string[],
): WatchEntryInput {
  const customerId = (row.customerId ?? '').trim();
  if (customerId.length === 0) throw new WatchRowError(line, 'customerId', 'empty');
  const issuer = (row.issuer ?? '').trim();
  if (issuer.length === 0) throw new WatchRowError(line, 'issuer', 'empty');
  let caIds: readonly string[];
  try {
    caIds = resolveIssuer(issuer);
  } catch (e) {
    throw new WatchRowError(line, 'issuer', e instanceof Error ? e.message : String(e));
  }
  let serial: bigint;
  try {
    serial = parseSerial(row.serial ?? '');
  } catch (e) {
    throw new WatchRowError(line, 'serial', e instanceof Error ? e.message : String(e));
  }
  const notAfterText = (row.notAfter ?? '').trim();
  let notAfterMs: number | null = null;
  if (notAfterText.length > 0) {
    notAfterMs = Date.parse(notAfterText);
    if (!Number.isFinite(notAfterMs) || !/^\d{4}-\d{2}-\d{2}/.test(notAfterText))
      throw new WatchRowError(line, 'notAfter', `"${notAfterText}" is not an ISO date or RFC 3339 time`);
  }
  return { customerId, issuer, caIds, serial, notAfterMs };
}
