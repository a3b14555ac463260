/**
 * The layering rules the build depends on: every `@jpki-validator/*` import of a workspace is a declared dependency (turbo builds
 * in that order) with a tsconfig project reference (tsc -b finds its types), and `packages/*` never import `services/*` or apps.
 * Tests import other workspaces by name too, declared as dependencies or devDependencies (`npm run typecheck` checks them against
 * the built types), never by a relative path into another workspace's sources.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

interface Workspace {
  dir: string;
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
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
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const ts = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { references?: { path: string }[] };
  return {
    dir,
    name: pkg.name,
    dependencies: pkg.dependencies ?? {},
    devDependencies: pkg.devDependencies ?? {},
    references: (ts.references ?? []).map((r) => resolve(dir, r.path)),
  };
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (/\.ts$/.test(entry)) out.push(path);
  }
  return out;
}

const isTest = (file: string): boolean => /\.test\.ts$/.test(file) || file.split(sep).includes('test');
const sourceFiles = (dir: string): string[] => tsFiles(dir).filter((f) => !isTest(f));

function testFiles(ws: string): string[] {
  const src = tsFiles(join(ws, 'src')).filter(isTest);
  return existsSync(join(ws, 'test')) ? [...src, ...tsFiles(join(ws, 'test'))] : src;
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

  it('declares every workspace its tests import, and reaches none by a relative path', () => {
    for (const file of testFiles(ws.dir)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'(@jpki-validator\/[a-z0-9-]+)/g)) {
        const name = m[1] as string;
        if (name === ws.name) continue;
        expect(
          ws.dependencies[name] ?? ws.devDependencies[name],
          `${relative(root, file)} imports ${name}, which ${ws.name} does not declare`,
        ).toBe('0.1.0');
      }
      for (const m of text.matchAll(/(?:from|import\()\s*'(\.\.?\/[^']+)'/g)) {
        const target = resolve(dirname(file), m[1] as string);
        const inside = !relative(ws.dir, target).startsWith('..');
        const sharedTestHelper = relative(root, target).startsWith(`test${sep}`);
        expect(inside || sharedTestHelper, `${relative(root, file)} reaches ${m[1]} outside its workspace`).toBe(true);
      }
    }
  });

  it('keeps packages free of services and apps', () => {
    if (!relative(root, ws.dir).startsWith('packages')) return;
    const upward = [...imported].filter((n) => !relative(root, byName.get(n)?.dir ?? '').startsWith('packages'));
    expect(upward, `${ws.name} imports process-level workspaces`).toEqual([]);
  });
});
