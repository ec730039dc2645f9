// Tables printed by the command line.

/** Display width in a terminal: a Chinese character takes two columns. */
export function width(text: string): number {
  let w = 0;
  for (const ch of text) w += ch.charCodeAt(0) > 0x2e7f ? 2 : 1;
  return w;
}

export function pad(text: string, to: number, right = false): string {
  const fill = " ".repeat(Math.max(0, to - width(text)));
  return right ? fill + text : text + fill;
}

/** Rows under a header, columns padded to their widest cell; `left` columns align left, the others right. */
export function table(header: string[], rows: string[][], left: number[] = [1]): string {
  const widths = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c] ?? ""))));
  const line = (cells: string[]) => cells.map((cell, c) => pad(cell, widths[c], !left.includes(c))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}
