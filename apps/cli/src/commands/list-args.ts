import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ListArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * node:util parseArgs (strict) where a `multiple` string option also takes the positionals that follow it, like argparse's
 * `nargs='+'`: `--trust a.pem b.pem --crl x.crl` and `--trust a.pem --trust b.pem` mean the same. The command's own positional
 * (FILE) therefore goes before such options. Errors become UsageError (exit 2) with the usage text.
 */
export function parseListArgs(argv: string[], options: OptionSpec, usage: string): ListArgs {
  let parsed: ReturnType<typeof parseTokens>;
  try {
    parsed = parseTokens(argv, options);
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  const values: ListArgs['values'] = { ...parsed.values };
  const positionals: string[] = [];
  /** the list option whose values are being collected, while positionals follow it */
  let collecting: string | undefined;
  for (const token of parsed.tokens) {
    if (token.kind === 'option') {
      collecting =
        options[token.name]?.multiple === true && options[token.name]?.type === 'string' && token.inlineValue !== true
          ? token.name
          : undefined;
    } else if (token.kind === 'positional') {
      if (collecting === undefined) {
        positionals.push(token.value);
      } else {
        const list = values[collecting];
        values[collecting] = Array.isArray(list) ? [...list, token.value] : [token.value];
      }
    } else {
      collecting = undefined; // `--` ends option processing
    }
  }
  return { values, positionals };
}

function parseTokens(argv: string[], options: OptionSpec) {
  return parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
}

/** A string flag's value (the last one when repeated), or undefined. */
export function stringFlag(values: ListArgs['values'], name: string): string | undefined {
  const v = values[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** A list flag's values (empty when absent). */
export function listFlag(values: ListArgs['values'], name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

export function booleanFlag(values: ListArgs['values'], name: string): boolean {
  return values[name] === true;
}

/** A time flag (RFC 3339 / ISO 8601) as a Date; UsageError naming the flag when it does not parse. */
export function timeFlag(values: ListArgs['values'], name: string): Date | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} ${JSON.stringify(text)} is not a time (use RFC 3339, e.g. 2026-10-01T03:00:00Z)`);
  return new Date(ms);
}

/** A numeric flag; UsageError naming the flag unless it is a finite number (and whole, when `integer`) within [min, max]. */
export function numberFlag(
  values: ListArgs['values'],
  name: string,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(n) &&
    (!opts.integer || Number.isInteger(n)) &&
    (opts.min === undefined || n >= opts.min) &&
    (opts.max === undefined || n <= opts.max);
  if (!ok) {
    const range = opts.min !== undefined || opts.max !== undefined ? ` in ${opts.min ?? '-∞'} … ${opts.max ?? '∞'}` : '';
    throw new UsageError(`--${name} ${JSON.stringify(text)} is not a ${opts.integer ? 'whole number' : 'number'}${range}`);
  }
  return n;
}
