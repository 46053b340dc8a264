/** The Markdown pieces summary.md's sections share: pure. */

export type Row = string[];

/** A Markdown table with the head's columns. */
export function table(head: Row, rows: Row[]): string[] {
  const line = (r: Row) => `| ${r.slice(0, head.length).join(' | ')} |`;
  return [line(head), `|${' --- |'.repeat(head.length)}`, ...rows.map(line)];
}

/** Free text (a message another program wrote) made safe for one table cell: one line, no column breaks. */
export const cellText = (text: string): string => text.trim().replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

/** A difference with its sign, e.g. +0.012; '—' when there is none. */
export const signed = (x: number | null, digits: number): string => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`);
