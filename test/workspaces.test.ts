/**
 * The layering rules the build depends on: every `@jpki-validator/*` import of a workspace is a declared dependency (turbo builds
 * in that order) with a tsconfig project reference (tsc -b finds its types), and `packages/*` never import `services/*` or apps.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

interface Workspace {
  dir: string;
  name: string;
  dependencies: Record<string, string>;
  references: string[];
}

function workspaces(): Workspace[] {
  const out: Workspace[] = [];
  for (const group of ['packages', 'services', 'apps']) {
    for (const entry of readdirSync(join(root, group))) {
      const dir = join(root, group, entry);
      out.push(readWorkspace(dir));
    }
  }
  out.push(readWorkspace(join(root, 'bench')));
  return out;
}

function readWorkspace(dir: string): Workspace {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
  const ts = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { references?: { path: string }[] };
  return { dir, name: pkg.name, dependencies: pkg.dependencies ?? {}, references: (ts.references ?? []).map((r) => resolve(dir, r.path)) };
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry) && !/\.test\.ts$/.test(entry)) out.push(path);
  }
  return out;
}

const all = workspaces();
const byName = new Map(all.map((w) => [w.name, w]));

describe.each(all.map((w) => [relative(root, w.dir), w] as const))('workspace %s', (_dir, ws) => {
  const imported = new Set<string>();
  for (const file of sourceFiles(join(ws.dir, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(@jpki-validator\/[a-z0-9-]+)/g))
      imported.add(m[1] as string);
  }

  it('declares every workspace it imports, by exact version, with a project reference', () => {
    for (const name of imported) {
      if (name === ws.name) continue;
      const target = byName.get(name);
      expect(target, `${name} is not a workspace`).toBeDefined();
      expect(ws.dependencies[name], `${ws.name} imports ${name} without declaring it`).toBe('0.1.0');
      expect(ws.references, `${ws.name} imports ${name} without a tsconfig reference`).toContain(target?.dir);
    }
  });

  it('keeps packages free of services and apps', () => {
    if (!relative(root, ws.dir).startsWith('packages')) return;
    const upward = [...imported].filter((n) => !relative(root, byName.get(n)?.dir ?? '').startsWith('packages'));
    expect(upward, `${ws.name} imports process-level workspaces`).toEqual([]);
  });
});
