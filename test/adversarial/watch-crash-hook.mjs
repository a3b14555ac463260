/**
 * Preloaded (`node --import`) into a `jpki-validator` process by the kill tests only: SIGKILLs the process the `n`th time the
 * point named by JV_CRASH_AT ("point" or "point#n") is reached. Nothing in the product installs a handler or reads this variable.
 *
 * - a crash point of the watch package (crash-point.ts), reached between two of its durable steps;
 * - `events-file-renamed`: right after an events file is renamed into a sink directory, caught at fs.promises.rename itself — the
 *   moment issue 10 #5 names, found the same way in any version of the code, whatever its own steps are.
 */
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the kill test for the process it starts, never by a turbo task
const target = process.env.JV_CRASH_AT ?? '';
const [point, nth = '1'] = target.split('#');
let seen = 0;
const reached = (name) => {
  if (name === point && ++seen >= Number(nth)) process.kill(process.pid, 'SIGKILL');
};
if (point === 'events-file-renamed') {
  const rename = fsp.rename;
  fsp.rename = async (from, to) => {
    await rename(from, to);
    if (/(^|\/)watch-events-[^/]*\.jsonl$/.test(String(to))) reached(point);
  };
  syncBuiltinESMExports();
} else if (point) {
  globalThis[Symbol.for('jpki-validator.crash-point')] = reached;
}
