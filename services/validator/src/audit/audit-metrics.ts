/**
 * The audit history on /metrics, read from the worker's last status at scrape time: how much of the journal is not yet in the
 * database (the backlog grows while the database is away and shrinks as the worker ships it), consecutive failed attempts, and
 * orphaned journals being shipped. An alert on the backlog or the failures tells an operator the history is lagging.
 */
import type { AuditLog } from '@jpki-validator/audit';
import { Gauge, type Registry } from 'prom-client';

export function registerAuditMetrics(registry: Registry, log: AuditLog): void {
  new Gauge({
    name: 'jpki_validator_audit_unshipped_bytes',
    help: 'audit journal bytes of this process not yet in the audit database',
    registers: [registry],
    collect() {
      this.set(log.status()?.pendingBytes ?? 0);
    },
  });
  new Gauge({
    name: 'jpki_validator_audit_shipping_failures',
    help: 'consecutive failed attempts to write to the audit database (0: the last write succeeded)',
    registers: [registry],
    collect() {
      this.set(log.status()?.failing ?? 0);
    },
  });
  new Gauge({
    name: 'jpki_validator_audit_orphan_journals',
    help: 'journals of stopped processes this process is shipping',
    registers: [registry],
    collect() {
      this.set(log.status()?.orphans ?? 0);
    },
  });
}
