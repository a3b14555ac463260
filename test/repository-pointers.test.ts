/**
 * The product never points outside its repository: someone who clones it has the README, docs/ and the code, nothing beside them.
 * Every tracked file (test fixtures aside: they are data) is searched for paths and names of the development notes that lived
 * next to the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// this file names them to find them: it is the one file not searched
const SELF = 'test/repository-pointers.test.ts';
// the paths, and the two notes by name as comments cited them (`CONTRACT "CLI"`, `NOTES "OCSP"`): upper case, whole words
const OUTSIDE = /\.\.\/shared|shared\/spec|\bCONTRACT\b|\bNOTES\b/;

const trackedFiles = (): string[] =>
  execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((path) => path !== '' && path !== SELF && !/(^|\/)fixtures\//.test(path));

/** `file:line: text` for every line that points outside the repository */
function outsidePointers(files: readonly string[], read: (path: string) => string): string[] {
  const found: string[] = [];
  for (const file of files) {
    const lines = read(file).split('\n');
    lines.forEach((line, i) => {
      if (OUTSIDE.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

/** the relative link targets of a markdown file's `[text](target)` links that leave the repository or name no file in it */
function brokenLinks(file: string, text: string): string[] {
  const broken: string[] = [];
  // code is not a link: fenced blocks and inline spans (a regular expression there may read like one)
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = (match[1] ?? '').split('#')[0] ?? '';
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const path = normalize(join(dirname(file), target));
    if (path.startsWith('..') || !existsSync(join(ROOT, path))) broken.push(`${file}: ${match[1]}`);
  }
  return broken;
}

/** `file:line` of every merge-conflict marker left in a tracked file (a merge that landed half-resolved) */
function conflictMarkers(files: readonly string[], read: (path: string) => string): string[] {
  const found: string[] = [];
  for (const file of files) {
    read(file)
      .split('\n')
      .forEach((line, i) => {
        if (/^(<{7}|>{7})( |$)|^={7}$/.test(line)) found.push(`${file}:${i + 1}`);
      });
  }
  return found;
}

describe('merge-conflict markers', () => {
  it('finds them (the check itself)', () => {
    const texts: Record<string, string> = {
      'README.md': `a\n${'<'.repeat(7)} HEAD\nb\n${'='.repeat(7)}\nc\n${'>'.repeat(7)} main\n`,
      'src/a.ts': `const rule = '${'='.repeat(7)}'; // not a marker\n`,
    };
    expect(conflictMarkers(Object.keys(texts), (p) => texts[p] ?? '')).toEqual(['README.md:2', 'README.md:4', 'README.md:6']);
  });

  it('no tracked file has one', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((path) => path !== '' && path !== 'package-lock.json');
    expect(conflictMarkers(files, (p) => readFileSync(join(ROOT, p), 'latin1'))).toEqual([]);
  });
});

describe('pointers outside the repository', () => {
  it('finds them (the check itself)', () => {
    const texts: Record<string, string> = {
      'README.md': 'see [the contract](../shared/spec/CONTRACT.md)\nfine\n',
      'src/a.ts': '// as NOTES.md says\n',
      'src/b.ts': '// docs/api.md, "Status answer"; the contract, the notes\n',
      'src/c.ts': '// as the NOTES say ("OCSP")\n',
    };
    expect(outsidePointers(Object.keys(texts), (p) => texts[p] ?? '')).toEqual([
      'README.md:1: see [the contract](../shared/spec/CONTRACT.md)',
      'src/a.ts:1: // as NOTES.md says',
      'src/c.ts:1: // as the NOTES say ("OCSP")',
    ]);
  });

  it('no tracked file outside test fixtures has one', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(outsidePointers(files, (p) => readFileSync(join(ROOT, p), 'latin1'))).toEqual([]);
  });

  it('every relative link of the README and docs/ names a file in the repository', () => {
    const markdown = trackedFiles().filter((p) => /^(README[^/]*|docs\/.*|CHANGELOG)\.md$/.test(p));
    expect(markdown).toContain('README.md');
    expect(markdown.flatMap((p) => brokenLinks(p, readFileSync(join(ROOT, p), 'utf8')))).toEqual([]);
    expect(brokenLinks('README.md', '[a](../shared/x.md) [b](docs/missing.md) [c](https://example.com) [d](#x)')).toEqual([
      'README.md: ../shared/x.md',
      'README.md: docs/missing.md',
    ]);
  });
});
