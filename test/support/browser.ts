/**
 * A real browser for the tests that need one (the console, the docs page): Debian's chromium driven by playwright-core — its own
 * browser downloads cannot run here. CHROMIUM_PATH overrides /usr/bin/chromium; scripts/ensure-test-services.sh installs it.
 * Screenshots go to `<repo>/test-results/` (gitignored), CI's artefact directory.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // as root (CI containers) chromium's sandbox cannot start; /dev/shm is small in containers
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** `<repo>/test-results/`, made when missing */
export function screenshotDir(): string {
  const dir = fileURLToPath(new URL('../../test-results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}
