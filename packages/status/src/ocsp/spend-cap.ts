/**
 * A cap on paid OCSP queries per issuer (J-LIS charges per query): at most `maxQueriesPerMinute` (config `ocsp.maxQueriesPerMinute`,
 * default 600; per issuer `issuers[].ocsp.maxQueriesPerMinute`) in any calendar minute. A Redis
 * outage in crl-first would otherwise turn every request into a paid call. Refused queries answer `unknown`.
 */
export class SpendCap {
  private readonly windows = new Map<string, { minute: number; used: number }>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(maxQueriesPerMinute: number, now: () => number = Date.now) {
    this.max = maxQueriesPerMinute;
    this.now = now;
  }

  /** takes one query from the CA's budget this minute; `max` overrides the cap for this CA (null: the default) */
  tryTake(caId: string, max: number | null = null): boolean {
    const minute = Math.floor(this.now() / 60_000);
    let w = this.windows.get(caId);
    if (w === undefined || w.minute !== minute) {
      w = { minute, used: 0 };
      this.windows.set(caId, w);
    }
    if (w.used >= (max ?? this.max)) return false;
    w.used++;
    return true;
  }
}
