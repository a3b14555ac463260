/**
 * Where a `node --cpu-prof` profile's time went: self time per function and per area (our packages, hono, node's HTTP, GC…), so
 * the report can say what a missed target costs and where, in a few lines of RESULTS.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  topFunctions: ProfileShare[];
  areas: ProfileShare[];
}

/** The area a frame belongs to, by its script URL (workspace packages and the node_modules package it comes from). */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const workspace = /\/(packages|services|apps)\/([^/]+)\//.exec(url);
  if (workspace !== null && !url.includes('node_modules')) return `${workspace[1]}/${workspace[2]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:'))
    return /^node:(_http|http|net|stream|internal\/streams|internal\/http)/.test(url) ? 'node http/net/streams' : 'node (other)';
  return url;
}

export async function summariseProfile(dir: string, top = 12): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  const name = files[files.length - 1];
  if (name === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const frame = frames.get(id);
    if (frame === undefined) return;
    total += micros;
    if (frame.functionName === '(idle)') return;
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules|packages|services)\//, '$1/')}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const area = areaOf(frame.url, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
  });
  const shares = (m: Map<string, number>, n: number): ProfileShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => ({ name: k, percent: (100 * v) / total }));
  return { file: join(dir, name), totalMs: total / 1000, topFunctions: shares(byFunction, top), areas: shares(byArea, top) };
}
