import { describe, expect, it } from 'vitest';
import { measure, median, parseCpuSeconds, parseMaxRssKib } from '../lib/measure.js';

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('measure', () => {
  it('runs a real process and reads its peak RSS from /usr/bin/time -v', async () => {
    // A child that holds ~64 MiB resident must report at least that much.
    const script = 'const b = Buffer.alloc(64 * 1024 * 1024, 1); process.stdout.write(String(b[12345]))';
    const m = await measure(process.execPath, ['-e', script], process.cwd());
    expect(m.stdout).toBe('1');
    expect(m.commandLine.startsWith('node -e ')).toBe(true);
    expect(m.maxRssKib).toBeGreaterThan(64 * 1024);
    expect(m.wallSeconds).toBeGreaterThan(0);
    // filling 64 MiB is CPU work of the child's own
    expect(m.cpuSeconds).toBeGreaterThan(0);
  });

  it('rejects with the command when the child fails', async () => {
    await expect(measure(process.execPath, ['-e', 'process.exit(3)'], process.cwd())).rejects.toThrow(/node.*failed/s);
  });

  it('parses GNU time output and refuses output without the RSS line', () => {
    expect(parseMaxRssKib('\tUser time (seconds): 0.01\n\tMaximum resident set size (kbytes): 51234\n')).toBe(51234);
    expect(() => parseMaxRssKib('nothing here')).toThrow(/Maximum resident set size/);
  });

  it('adds user and system CPU seconds from GNU time output; null when either is missing', () => {
    expect(parseCpuSeconds('\tUser time (seconds): 1.25\n\tSystem time (seconds): 0.50\n')).toBe(1.75);
    expect(parseCpuSeconds('\tUser time (seconds): 1.25\n')).toBeNull();
  });
});
