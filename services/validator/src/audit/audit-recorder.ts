/**
 * Records answers in the audit history's journal (@jpki-validator/audit) from the routes that give them: the status GET (its
 * synchronous fast path too), the batch (JSON and NDJSON), /v1/validate and /v1/verify. Every call is synchronous and costs a few
 * typed-array writes per answer: the strings an answer shares with others (issuer, CA, result, reason, CRL number …) are
 * codes, a batch's outcomes are turned into codes once per batch, and a CRL's thisUpdate is parsed once per loaded CRL.
 *
 * What is recorded: time, request id, API key id, purpose, route, issuer as asked, CA, serial, kind, medium, result, reason,
 * meaning, method (crl/ocsp), CRL number or OCSP producedAt, data age, detail; for /v1/verify the signature verdict and whether
 * the 4 basic details were shown. Never the certificate, never the details.
 */
import { AuditError, type AuditLog, ItemFields, type JournalWriter } from '@jpki-validator/audit';
import {
  answerSerialText,
  type BulkOutcome,
  type CaRegistry,
  type CrlSourceInfo,
  type StatusAnswer,
  type ValidationReport,
  type VerifyReport,
} from '@jpki-validator/status';
import type { BatchAnswers } from '../batch/batch-answers.js';
import type { PurposePolicy } from './purpose.js';

export type RecordedRoute = 'status' | 'batch' | 'validate' | 'verify';

/** who asked, and why: the request's part of every row */
export interface AuditAsker {
  requestId: string;
  apiKeyId: string | null;
  purpose: string | null;
}

/** the CRL's thisUpdate in ms, parsed once per loaded CRL (the `crl` object is shared by every answer from one generation) */
const thisUpdateMs = new WeakMap<CrlSourceInfo, number>();

function crlTimeMs(crl: CrlSourceInfo): number {
  let ms = thisUpdateMs.get(crl);
  if (ms === undefined) {
    ms = Date.parse(crl.thisUpdate);
    thisUpdateMs.set(crl, ms);
  }
  return ms;
}

/** what the answer stands on: the CRL's thisUpdate or the OCSP response's producedAt */
function dataFromMs(a: { crl: CrlSourceInfo | null; ocsp?: { producedAt: string } | null; source: 'crl' | 'ocsp' | null }): number {
  if (a.source === 'ocsp' && a.ocsp) return Date.parse(a.ocsp.producedAt);
  return a.crl === null ? Number.NaN : crlTimeMs(a.crl);
}

export class AuditRecorder {
  private readonly fields = new ItemFields();
  private readonly writer: JournalWriter;

  constructor(
    readonly log: AuditLog,
    private readonly registry: CaRegistry,
    readonly purposes: PurposePolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.writer = log.writer;
  }

  /** one status answer (the GET) */
  status(asker: AuditAsker, answer: StatusAnswer): void {
    this.begin(asker, 'status');
    this.answerFields(answer, answer.issuer);
    this.item(answer.serial);
  }

  /**
   * every answer of a batch (JSON or an NDJSON chunk), in its order. A bulk row's fields are fixed by its outcome and issuer:
   * each pair met is written once as a journal template, and its items as the template's code and the serial (11 bytes each).
   */
  batch(asker: AuditAsker, answers: BatchAnswers): void {
    const n = answers.length;
    if (n === 0) return;
    const w = this.writer;
    const f = this.fields;
    this.begin(asker, 'batch');
    const { rows, columns, outcomes } = answers;
    const issuerCount = rows.issuers.length;
    // per issuer index: its code; per (outcome, issuer): the fields they fix, and their template once written
    const issuerCodes = rows.issuers.map((issuer) => w.code(issuer));
    const outcomeFields: (ItemFields | undefined)[] = [];
    const templates: number[] = [];
    for (let i = 0; i < n; i++) {
      if (answers.isBulkRow(i) && columns !== null) {
        const index = columns.outcome[i] as number;
        const issuerIndex = rows.issuerIndex[i] as number;
        const pair = index * issuerCount + issuerIndex;
        let template = templates[pair];
        if (template === undefined) {
          let o = outcomeFields[index];
          if (o === undefined) {
            o = this.outcomeFields(outcomes[index] as BulkOutcome, rows.issuers[issuerIndex] as string);
            outcomeFields[index] = o;
          }
          copyFields(o, f);
          f.issuer = issuerCodes[issuerIndex] as number;
          // 0: the segment holds no more templates, these items are written whole
          template = w.template(f);
          templates[pair] = template;
        }
        const value = rows.serialValue[i] as number;
        const serialText = value >= 0 ? '' : answerSerialText(rows.serialText(i));
        if (template !== 0) w.itemOf(template, value, serialText);
        else {
          copyFields(outcomeFields[index] as ItemFields, f);
          f.issuer = issuerCodes[issuerIndex] as number;
          w.item(f, value, serialText);
        }
      } else {
        const answer = answers.fullAnswers[i];
        if (answer === undefined) continue;
        this.answerFields(answer, answer.issuer);
        this.item(answer.serial);
      }
    }
  }

  /** a /v1/validate verdict: the certificate's result, its status answer's source and age */
  validation(asker: AuditAsker, report: ValidationReport): void {
    this.begin(asker, 'validate');
    this.validationFields(report);
    this.item(report.certificate.serial);
  }

  /** a /v1/verify verdict: as validate, with the signature's verdict and whether the 4 basic details were shown */
  verify(asker: AuditAsker, report: VerifyReport): void {
    this.begin(asker, 'verify');
    this.validationFields(report.validation);
    const w = this.writer;
    this.fields.result = w.code(report.result);
    this.fields.signature = w.code(report.signature);
    this.fields.personalShown = report.personal.included ? 2 : 1;
    this.item(report.validation.certificate.serial);
    // the details leave in this answer: its record is on disk before the answer is, or the answer is refused
    if (report.personal.included && !this.writer.flush())
      throw new AuditError('AUDIT_UNAVAILABLE', 'the audit journal cannot be written now: personal details are not shown unrecorded');
  }

  private begin(asker: AuditAsker, route: RecordedRoute): void {
    const w = this.writer;
    w.request(this.now(), asker.requestId, w.code(asker.apiKeyId), w.code(asker.purpose), w.code(route));
  }

  private item(serial: string): void {
    this.writer.item(this.fields, -1, serial);
  }

  private answerFields(a: StatusAnswer, issuer: string): void {
    const w = this.writer;
    const f = this.fields.reset();
    f.issuer = w.code(issuer);
    f.caId = w.code(a.caId);
    f.result = w.code(a.status);
    f.reason = w.code(a.reason);
    f.meaning = w.code(a.meaning);
    f.method = w.code(a.source);
    f.crlNumber = a.source === 'crl' && a.crl !== null ? w.code(a.crl.number) : 0;
    f.detail = w.code(a.detail ?? null);
    this.caFields(a.caId, issuer);
    f.dataFromMs = dataFromMs(a);
  }

  private validationFields(report: ValidationReport): void {
    const w = this.writer;
    const a = report.status;
    this.answerFields(a, a.issuer);
    const f = this.fields;
    f.caId = w.code(report.certificate.caId ?? a.caId);
    f.result = w.code(report.result);
    f.kind = w.code(report.certificate.kind);
  }

  private outcomeFields(o: BulkOutcome, issuer: string): ItemFields {
    const w = this.writer;
    const f = this.fields.reset();
    f.caId = w.code(o.caId);
    f.result = w.code(o.status);
    f.reason = w.code(o.reason);
    f.meaning = w.code(o.meaning);
    f.method = w.code(o.source);
    f.crlNumber = o.source === 'crl' && o.crl !== null ? w.code(o.crl.number) : 0;
    f.detail = w.code(o.detail);
    this.caFields(o.caId, issuer);
    f.dataFromMs = dataFromMs(o);
    const copy = new ItemFields();
    copyFields(f, copy);
    return copy;
  }

  /** kind and medium: of the CA that answered, else of the issuer asked (a group's CAs share them) */
  private caFields(caId: string | null, issuer: string): void {
    const ca = (caId === null ? undefined : this.registry.get(caId)) ?? this.registry.resolve(issuer)?.[0];
    const f = this.fields;
    if (ca === undefined) {
      f.kind = f.medium = 0;
      return;
    }
    f.kind = this.writer.code(ca.kind);
    f.medium = this.writer.code(ca.medium);
  }
}

function copyFields(from: ItemFields, to: ItemFields): void {
  to.issuer = from.issuer;
  to.caId = from.caId;
  to.result = from.result;
  to.reason = from.reason;
  to.meaning = from.meaning;
  to.method = from.method;
  to.crlNumber = from.crlNumber;
  to.detail = from.detail;
  to.kind = from.kind;
  to.medium = from.medium;
  to.signature = from.signature;
  to.personalShown = from.personalShown;
  to.dataFromMs = from.dataFromMs;
}
