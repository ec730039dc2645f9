// Text as clerks type it into spreadsheets (often with a Chinese IME), in the one form the imports
// store and compare.

const WIDE_LETTERS_DIGITS = /[０-９Ａ-Ｚａ-ｚ]/g;
const WIDE_ASCII = /[\uFF01-\uFF5E]/g;

/**
 * Full-width letters and digits become ASCII (their NFKC form), every run of white space (the
 * ideographic space U+3000 included) a single space, and the ends are trimmed. Nothing else is
 * folded: NFKC on the whole text would also turn ① into 1 and Ⅱ期 into II期.
 *
 * With `punctuation`, full-width ASCII punctuation (（），：；－ …) becomes ASCII as well: for texts
 * that are only matched (a results file's headers, answers, times and numbers), not for register
 * names, which are stored and keyed as typed (锦绣花园（一期）).
 */
export function normalizeText(value: string, options: { punctuation?: boolean } = {}): string {
  return value
    .replace(options.punctuation ? WIDE_ASCII : WIDE_LETTERS_DIGITS, (ch) => ch.normalize("NFKC"))
    .replace(/\s+/g, " ")
    .trim();
}
