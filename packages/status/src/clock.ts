import { formatTime } from '@jpki-validator/x509';

/** RFC 3339 text of "now", formatted once per second: every answer carries `checkedAt`, and the hot path should not pay for it. */
export class SecondClock {
  private second = Number.NaN;
  private text = '';
  readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.text = formatTime(second * 1000);
    }
    return this.text;
  }
}
