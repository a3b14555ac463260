/**
 * The request-duration histogram, counted in a typed array per route and written out only when /metrics is scraped. prom-client's
 * `Histogram.observe` builds a closure, a labels object and a label hash, and finds its bucket through a number-keyed property
 * (a number → string conversion) on every call: garbage on the hot path that, at tens of thousands of requests a second, the
 * young-generation collector then charges to the slowest requests. Here an observation allocates nothing once its route is known.
 * It is registered as a histogram metric: the registry writes the same exposition as for its own (`_bucket` with `le`, `_sum`,
 * `_count`).
 */
import type { Metric } from 'prom-client';

/** what the registry reads from a metric at scrape time (prom-client's own typings name the type as an enum it never uses) */
interface Exposition {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: { metricName: string; labels: Record<string, string | number>; value: number }[];
}

interface RouteCounts {
  /** per bucket, not cumulative; the last slot is +Inf */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class RequestDurations {
  /** as prom-client's own metrics carry them (read by the metrics reference, docs/metrics.md) */
  readonly type = 'histogram';
  readonly labelNames: readonly string[] = ['route'];
  private readonly routes = new Map<string, RouteCounts>();
  private readonly bounds: Float64Array;

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
  ) {
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
  }

  observe(route: string, seconds: number): void {
    let r = this.routes.get(route);
    if (r === undefined) {
      r = { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.routes.set(route, r);
    }
    let i = 0;
    while (i < this.bounds.length && seconds > (this.bounds[i] as number)) i++;
    (r.counts as Float64Array)[i] = (r.counts[i] as number) + 1;
    r.sum += seconds;
    r.count += 1;
  }

  /** the registry's view, read at scrape time */
  async get(): Promise<Exposition> {
    const values: Exposition['values'] = [];
    for (const [route, r] of this.routes) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += r.counts[i] as number;
        const le = i < this.bounds.length ? (this.bounds[i] as number) : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, route }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { route }, value: r.sum });
      values.push({ metricName: `${this.name}_count`, labels: { route }, value: r.count });
    }
    return {
      name: this.name,
      help: this.help,
      type: 'histogram',
      values,
      aggregator: 'sum',
    };
  }

  reset(): void {
    this.routes.clear();
  }

  /** for Registry.registerMetric, whose type lists prom-client's own classes: the registry calls only get, reset and name */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
