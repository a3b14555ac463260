/**
 * Loads the Lua scripts (./lua/<verb><Noun>-<nKeys>.lua, each with a KEYS/ARGV/reply header) into an ioredis client with
 * defineCommand: ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover.
 */
import { readFileSync } from 'node:fs';
import type { RedisClient } from './connection.js';

const SCRIPTS = [
  // the key count varies (the chunk keys to persist and the dropped generation's keys follow the 4 fixed ones)
  { name: 'switchGeneration', file: 'switchGeneration-4.lua', numberOfKeys: undefined },
  { name: 'lookupSerial', file: 'lookupSerial-4.lua', numberOfKeys: 4 },
] as const;

function scriptText(file: string): string {
  return readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
}

/** reply of switchGeneration: status and a number or string (and the epoch after OK / NOOP) */
export type SwitchReply = [string, number | string] | [string, number | string, string];
/** reply of lookupSerial (Buffer variant) */
export type LookupReply = [number] | [number, number, Buffer, Buffer];

export interface StoreCommands {
  switchGeneration(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<SwitchReply>;
  lookupSerialBuffer(listed: string, reasons: string, dates: string, inval: string, offset: number): Promise<LookupReply>;
}

export function defineStoreCommands<R extends RedisClient>(redis: R): R & StoreCommands {
  for (const s of SCRIPTS) {
    const def = s.numberOfKeys === undefined ? { lua: scriptText(s.file) } : { lua: scriptText(s.file), numberOfKeys: s.numberOfKeys };
    if (!(s.name in redis)) redis.defineCommand(s.name, def);
  }
  return redis as R & StoreCommands;
}
