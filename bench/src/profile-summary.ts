// Self time per function from a V8 .cpuprofile (what `node --cpu-prof` writes), top N, so a profile can be quoted in RESULTS.md.
// Usage: node dist/profile-summary.js DIR_OR_FILE [top=15]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const target = process.argv[2];
if (target === undefined) throw new Error('usage: profile-summary.js DIR_OR_FILE [top]');
const top = Number(process.argv[3] ?? 15);
const file = statSync(target).isDirectory() ? join(target, firstProfile(target)) : target;
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const selfMicros = new Map<string, number>();
let totalMicros = 0;
profile.samples.forEach((id, i) => {
  const frame = frames.get(id);
  const delta = profile.timeDeltas[i] ?? 0;
  if (frame === undefined) return;
  // Last two path segments and the 1-based line: enough to find the function, short enough for a table.
  const where = frame.url === '' ? '' : ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
  const key = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`;
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
  totalMicros += delta;
});

process.stdout.write(`${file}: ${(totalMicros / 1000).toFixed(0)} ms sampled\n| self ms | share | function |\n|---:|---:|---|\n`);
for (const [key, micros] of [...selfMicros].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`| ${(micros / 1000).toFixed(1)} | ${((100 * micros) / totalMicros).toFixed(1)} % | \`${key}\` |\n`);
}

function firstProfile(dir: string): string {
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (name === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  return name;
}
