/**
 * The browser the UI tests drive: Debian's chromium (scripts/ensure-test-services.sh installs it; CHROMIUM_PATH overrides
 * /usr/bin/chromium) through playwright-core, which downloads no browser of its own. Screenshots go to <repo>/test-results/
 * (gitignored) for a human to look at after a run.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // as root in a container chromium needs --no-sandbox; /dev/shm there is often too small for its shared memory
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** `<repo>/test-results/`, created when missing */
export function screenshotDir(): string {
  const dir = fileURLToPath(new URL('../../test-results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}
