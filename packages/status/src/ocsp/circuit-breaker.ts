/**
 * A per-responder circuit breaker: after `failureThreshold` failures in a row the responder is not asked for `cooldownMs`; then
 * one trial request is let through (half-open) and its outcome closes or re-opens the circuit. `/readyz` reads the state instead
 * of spending a paid query.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive failures that open the circuit (default 5) */
  failureThreshold?: number;
  /** how long an open circuit refuses before a trial (default 30 000) */
  cooldownMs?: number;
  now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAtMs = Number.NaN;
  private trialInFlight = false;
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (Number.isNaN(this.openedAtMs)) return 'closed';
    return this.now() - this.openedAtMs >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** whether a request may go out now; in half-open only one trial at a time */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /**
   * A request `allow` let through was not sent after all (e.g. the spend cap refused it): the responder said nothing, so the circuit
   * stays as it was — a half-open circuit stays half-open, its next request the trial.
   */
  release(): void {
    this.trialInFlight = false;
  }

  success(): void {
    this.failures = 0;
    this.openedAtMs = Number.NaN;
    this.trialInFlight = false;
  }

  failure(): void {
    this.failures++;
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    if (wasTrial || this.failures >= this.failureThreshold) this.openedAtMs = this.now();
  }
}
