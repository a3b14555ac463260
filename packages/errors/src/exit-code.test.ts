import { describe, expect, it } from 'vitest';
import { errorKind, EXIT, exitCodeFor, failureText, type ErrorKind, JpkiValidatorError } from './index.js';

class SampleError extends JpkiValidatorError<'SAMPLE'> {
  constructor(kind: ErrorKind, message = 'sample') {
    super('SAMPLE', kind, message);
  }
}

const systemError = (code: string): Error => Object.assign(new Error(`${code} happened`), { code });

describe('exitCodeFor: the one mapping from an error to an exit code', () => {
  it('maps each kind of our errors: usage 2, unavailable 3, internal 70', () => {
    expect(exitCodeFor(new SampleError('usage'))).toBe(2);
    expect(exitCodeFor(new SampleError('unavailable'))).toBe(3);
    expect(exitCodeFor(new SampleError('internal'))).toBe(70);
    expect(EXIT).toEqual({ OK: 0, CHECK_FAILED: 1, BAD_INPUT: 2, UNAVAILABLE: 3, INTERNAL: 70 });
  });

  it("classifies Node's system errors: a path that cannot be opened is usage, a peer that does not answer unavailable", () => {
    for (const code of ['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EADDRINUSE'])
      expect([code, exitCodeFor(systemError(code))]).toEqual([code, 2]);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'])
      expect([code, exitCodeFor(systemError(code))]).toEqual([code, 3]);
  });

  it("takes ioredis's give-up error as unavailable", () => {
    const gaveUp = new Error('Reached the max retries per request limit');
    gaveUp.name = 'MaxRetriesPerRequestError';
    expect(errorKind(gaveUp)).toBe('unavailable');
  });

  it('treats everything else as an internal fault: plain errors, unknown codes, non-errors', () => {
    expect(exitCodeFor(new TypeError('x is undefined'))).toBe(70);
    expect(exitCodeFor(systemError('ERR_SOMETHING_NEW'))).toBe(70);
    expect(exitCodeFor('a string')).toBe(70);
    expect(exitCodeFor(null)).toBe(70);
    expect(exitCodeFor({ code: 42 })).toBe(70);
  });

  it('carries code, kind, name and cause', () => {
    const cause = new Error('root');
    const error = new (class NamedError extends JpkiValidatorError<'X'> {})('X', 'usage', 'message', { cause });
    expect([error.code, error.kind, error.name, error.message, error.cause]).toEqual(['X', 'usage', 'NamedError', 'message', cause]);
  });
});

describe('failureText: what a process prints as it ends', () => {
  it('prints the message of a usage or unavailable error, without a stack', () => {
    expect(failureText(new SampleError('usage', 'config.yaml: issuers.0.caCert: Required'))).toBe(
      'config.yaml: issuers.0.caCert: Required',
    );
    expect(failureText(new SampleError('unavailable', 'lock held'))).toBe('lock held');
    expect(failureText(systemError('ENOENT'))).toBe('ENOENT happened');
  });

  it('prints the stack of an internal fault, so it can be reported', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(failureText(bug)).toBe(bug.stack);
    expect(failureText(bug)).toMatch(/\n\s+at /);
    expect(failureText('thrown string')).toBe('thrown string');
  });
});
