import { createFileSource } from './file-source.js';
import { createHttpSource, type HttpSourceOptions } from './http-source.js';
import type { CrlSource } from './types.js';

export type { CrlSource, FetchOutcome, SourceValidators } from './types.js';
export { createHttpSource } from './http-source.js';
export { createFileSource } from './file-source.js';

/** A configured partition source: an http(s) URL, a file, or a drop directory. */
export function createSource(location: string, options: Omit<HttpSourceOptions, 'url'> = {}): CrlSource {
  if (/^https?:\/\//i.test(location)) return createHttpSource({ ...options, url: location });
  return createFileSource({ path: location, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) });
}
