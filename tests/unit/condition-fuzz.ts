// Random SurveyJS conditions over the grammar app/survey/condition.ts supports, and random
// answers, for the differential test against survey-core (seeded: every run is the same).

/** mulberry32: small, fast, reproducible. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick };
}

type Rng = ReturnType<typeof prng>;

export const NAMES = ["a", "b", "c"] as const;

const STRINGS = [
  "知道",
  "不知道",
  "",
  " ",
  "a",
  "A ",
  "abc",
  "0",
  "1",
  "03",
  "10",
  "2.5",
  "1,5",
  "-2",
  "0x10",
  "true",
  "False",
  "null",
  "undefined",
  "'q'",
  "x y",
];
const NUMBERS = [0, 1, -1, 2, 2.5, 3, 10, -0.5, 16];

/** A value a question may hold: string, number, boolean, array, object (matrix), or unanswered. */
export function randomValue(rng: Rng): unknown {
  switch (rng.int(9)) {
    case 0:
    case 1:
      return rng.pick(STRINGS);
    case 2:
    case 3:
      return rng.pick(NUMBERS);
    case 4:
      return rng.next() < 0.5;
    case 5: {
      const n = rng.int(4);
      return Array.from({ length: n }, () => (rng.next() < 0.6 ? rng.pick(STRINGS) : rng.pick(NUMBERS)));
    }
    case 6:
      return rng.next() < 0.7 ? { r1: rng.pick(STRINGS) } : {};
    case 7:
      return null;
    default:
      return undefined; // unanswered: the key is left out
  }
}

export function randomValues(rng: Rng): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of NAMES) {
    const v = randomValue(rng);
    if (v !== undefined) values[name] = v;
  }
  // Now and then a key that differs only in case, or holds a dot (names are case-insensitive
  // and "{a.r1}" may be a name of its own).
  if (rng.next() < 0.1) values.B = randomValue(rng) ?? "B";
  if (rng.next() < 0.1) values["a.r1"] = randomValue(rng) ?? 1;
  return values;
}

const BINARY = [
  "=",
  "==",
  "!=",
  "<>",
  ">",
  "<",
  ">=",
  "<=",
  "=>",
  "=<",
  "equal",
  "notequal",
  "greater",
  "less",
  "greaterorequal",
  "lessorequal",
  "contains",
  "notcontains",
  "*=",
  "anyof",
  "allof",
  "noneof",
  "equals",
  "notequals",
];

function literal(rng: Rng): string {
  switch (rng.int(9)) {
    case 0:
      return `'${rng.pick(STRINGS.filter((s) => !s.includes("'")))}'`;
    case 1:
      return `"${rng.pick(STRINGS.filter((s) => !s.includes("'")))}"`;
    case 2:
      return String(rng.pick([0, 1, 2, 3, 10, 16, 2.5]));
    case 3:
      return `-${rng.pick([1, 2, 0.5])}`;
    case 4:
      return rng.pick(["true", "false", "True", "FALSE"]);
    case 5:
      return rng.pick(["null", "undefined"]);
    case 6:
      return rng.pick(["abc", "x"]);
    case 7:
      return "0x10";
    default: {
      const n = rng.int(4);
      return `[${Array.from({ length: n }, () => literal({ ...rng, int: (k: number) => rng.int(Math.min(k, 5)) })).join(", ")}]`;
    }
  }
}

function variable(rng: Rng): string {
  const name = rng.pick([...NAMES, "A", "d"]);
  return rng.pick([
    `{${name}}`,
    `{${name}}`,
    `{${name}.length}`,
    `{#${name}}`,
    `{${name}.r1}`,
    `{${name}.R1.length}`,
    `{${name}.0}`,
    `{#${name}.length}`,
  ]);
}

function operand(rng: Rng): string {
  return rng.next() < 0.55 ? variable(rng) : literal(rng);
}

export function randomCondition(rng: Rng, depth = 0): string {
  const r = rng.next();
  if (depth > 2 || r < 0.45) {
    const shape = rng.int(6);
    if (shape === 0) return `${operand(rng)} ${rng.pick(["empty", "notempty"])}`;
    if (shape === 1) return operand(rng);
    return `${operand(rng)} ${rng.pick(BINARY)} ${operand(rng)}`;
  }
  if (r < 0.55) return `${rng.pick(["!", "negate "])}${rng.next() < 0.5 ? `(${randomCondition(rng, depth + 1)})` : operand(rng)}`;
  if (r < 0.65) return `(${randomCondition(rng, depth + 1)})`;
  return `${randomCondition(rng, depth + 1)} ${rng.pick(["and", "or", "&&", "||", "AND"])} ${randomCondition(rng, depth + 1)}`;
}
