/**
 * One item's fields as string codes (journal-writer.ts `code`), in a scratch object the caller fills and the writer reads: no
 * object per record. Codes hold only within the synchronous call that made them (a segment change resets them between turns).
 */
export class ItemFields {
  issuer = 0;
  caId = 0;
  result = 0;
  reason = 0;
  meaning = 0;
  method = 0;
  crlNumber = 0;
  detail = 0;
  kind = 0;
  medium = 0;
  signature = 0;
  /** 0 not applicable, 1 not shown, 2 shown */
  personalShown = 0;
  /** the CRL's thisUpdate or the OCSP response's producedAt (ms since the epoch), NaN when no data source took part */
  dataFromMs = Number.NaN;

  reset(): this {
    this.issuer = this.caId = this.result = this.reason = this.meaning = this.method = this.crlNumber = 0;
    this.detail = this.kind = this.medium = this.signature = this.personalShown = 0;
    this.dataFromMs = Number.NaN;
    return this;
  }
}
