/**
 * The commands bin/jpki-validator.js starts from the bundle (scripts/bundle.mjs → dist/bundle/main.js): each imports only this
 * CLI's modules, @jpki-validator/x509 and @jpki-validator/errors. A command added here must keep to that (the bundle test says
 * which modules each one loads).
 */
export const BUNDLED_COMMANDS: readonly string[] = ['crl inspect', 'cert inspect', 'cert verify'];
