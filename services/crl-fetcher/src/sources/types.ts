/** What a source remembers between fetches so the next one can be conditional. */
export interface SourceValidators {
  etag: string | null;
  lastModified: string | null;
}

export type FetchOutcome =
  | { kind: 'not-modified' }
  | {
      kind: 'body';
      /** the CRL bytes, streamed: never buffered whole. A chunk may be a view into a reused buffer: copy what you keep. */
      body: AsyncIterable<Uint8Array>;
      validators: SourceValidators;
      /** Content-Length or file size, when known */
      sizeBytes: number | null;
      /** where the bytes came from (URL after redirects, or file path) */
      origin: string;
    };

export interface CrlSource {
  /** the URL or path, for logs and metadata */
  readonly location: string;
  fetch(previous: SourceValidators | null, signal?: AbortSignal): Promise<FetchOutcome>;
}
