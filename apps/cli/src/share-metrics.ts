/**
 * One /metrics for a process that runs several parts (`start`: validator, fetcher, watch job; `fetch`: fetcher and watch job):
 * each part keeps its own prom-client registry, and their metrics are registered in the one the process serves as well. A metric
 * object may sit in several registries; its values are read at scrape time from wherever it is served. The names never collide:
 * every part names its metrics under `jpki_validator_` with a subsystem of its own.
 */
export function shareMetrics<M>(from: { getMetricsAsArray(): readonly unknown[] }, into: { registerMetric(metric: M): void }): void {
  // prom-client types the array as metric configurations; at run time its items are the metric objects themselves
  for (const metric of from.getMetricsAsArray()) into.registerMetric(metric as M);
}
