export { type ErrorKind, type ErrorKindTable, errorBaseFor, JpkiValidatorError } from './jpki-validator-error.js';
export { errorKind } from './error-kind.js';
export { EXIT, exitCodeFor, failureText, type FailureExitCode } from './exit-code.js';
