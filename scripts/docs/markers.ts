/** The generated part of a docs file sits between two markers; the hand-written text around them is kept as it is. */
export const begin = (name: string): string => `<!-- generated:${name} begin (npm run docs; edit the text outside the markers) -->`;
export const end = (name: string): string => `<!-- generated:${name} end -->`;

/** `text` with the part between the markers `name` replaced by `generated`; the markers are appended when missing */
export function withGenerated(text: string, name: string, generated: string): string {
  const from = text.indexOf(begin(name));
  const to = text.indexOf(end(name));
  const block = `${begin(name)}\n\n${generated.trim()}\n\n${end(name)}`;
  if (from === -1 || to === -1 || to < from) return `${text.trimEnd()}\n\n${block}\n`;
  return `${text.slice(0, from)}${block}${text.slice(to + end(name).length)}`;
}

/** a table cell: one line, pipes escaped */
export const cell = (text: unknown): string =>
  String(text ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');

export function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join(
    '\n',
  );
}
