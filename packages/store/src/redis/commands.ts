/**
 * Loads the Lua scripts (./lua/<verb><Noun>-<nKeys>.lua, each with a KEYS/ARGV/reply header) into an ioredis client with
 * defineCommand: ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover.
 */
import { readFileSync } from 'node:fs';
import type { RedisClient } from './connection.js';

const SCRIPTS = [
  { name: 'switchPartition', file: 'switchPartition-6.lua', numberOfKeys: 6 },
  { name: 'fillRunPiece', file: 'fillRunPiece-1.lua', numberOfKeys: 1 },
] as const;

function scriptText(file: string): string {
  return readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
}

/** reply of switchPartition: status, then a number or string (and the epoch after OK / NOOP) */
export type SwitchReply = [string, number | string] | [string, number | string, string];

export interface StoreCommands {
  switchPartition(...keysAndArgs: (string | number)[]): Promise<SwitchReply>;
  fillRunPiece(key: string, offset: number, piece: Buffer): Promise<number>;
}

export function defineStoreCommands<R extends RedisClient>(redis: R): R & StoreCommands {
  for (const s of SCRIPTS) {
    if (!(s.name in redis)) redis.defineCommand(s.name, { lua: scriptText(s.file), numberOfKeys: s.numberOfKeys });
  }
  return redis as R & StoreCommands;
}
