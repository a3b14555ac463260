/** A store epoch (SwitchEvent.epoch): made with a CA's first generation, so a store that lost its data gets a new one. */
import { randomBytes } from 'node:crypto';

export function newEpoch(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}
