// SurveyJS conditions (visibleIf, enableIf, requiredIf) evaluated without survey-core, for the
// resident's phone where survey-core's size is not affordable. The results match survey-core
// 3.0.0's ConditionRunner for the subset below (tests/unit/survey-condition.test.ts runs both):
//
//   {q} {q.length} {#q} {q.r}  question values (names are case-insensitive, as in survey-core;
//                             the length of an unanswered question, a number or a boolean is 0)
//   'text' "text" 3 -1.5 0x10 true false null undefined, bare words (abc) and arrays ['a', 'b']
//   = == equal  != <> notequal  > < >= <= (and =>, =<, greater, less, …)
//   empty notempty  contains notcontains *=  anyof allof noneof
//   and && or || ! negate  ( )
//
// Anything else (functions such as iif() or age(), arithmetic, `not`, {panel[0].q}, a missing
// closing bracket that survey-core would forgive) is unsupported: evaluateCondition answers
// true, so the element is shown, which is also what survey-core does with an expression it
// cannot parse. checkDefinition refuses definitions whose conditions are unsupported here.

type BinaryOp =
  | "or"
  | "and"
  | "equal"
  | "notequal"
  | "less"
  | "greater"
  | "lessorequal"
  | "greaterorequal"
  | "contains"
  | "notcontains"
  | "anyof"
  | "allof"
  | "noneof";

type Node =
  | { kind: "const"; value: unknown }
  | { kind: "null" }
  | { kind: "variable"; name: string; asIs: boolean }
  | { kind: "array"; items: Node[] }
  | { kind: "unary"; op: "negate" | "empty" | "notempty"; operand: Node }
  | { kind: "binary"; op: BinaryOp; left: Node; right: Node };

type Token =
  | { t: "op"; v: string }
  | { t: "word"; v: string }
  | { t: "number"; v: number }
  | { t: "string"; v: string }
  | { t: "variable"; v: string };

class Unsupported extends Error {}

const COMPARISONS: Record<string, BinaryOp> = {
  "<=": "lessorequal",
  lessorequal: "lessorequal",
  ">=": "greaterorequal",
  greaterorequal: "greaterorequal",
  "==": "equal",
  "=": "equal",
  equal: "equal",
  "!=": "notequal",
  notequal: "notequal",
  "<": "less",
  less: "less",
  ">": "greater",
  greater: "greater",
};

const FUNCTIONS: Record<string, BinaryOp> = {
  "*=": "contains",
  contains: "contains",
  contain: "contains",
  notcontains: "notcontains",
  notcontain: "notcontains",
  anyof: "anyof",
  allof: "allof",
  noneof: "noneof",
};

// survey-core rewrites these spellings in the raw text (string literals included) before parsing.
function patch(text: string): string {
  return text
    .replace(/=>/g, ">=")
    .replace(/=</g, "<=")
    .replace(/<>/g, "!=")
    .replace(/equals/g, "equal ")
    .replace(/notequals/g, "notequal ");
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (" \t\n\r".includes(c)) {
      i++;
    } else if (c === "{") {
      const end = text.indexOf("}", i + 1);
      const name = end < 0 ? "" : text.slice(i + 1, end);
      if (!name || /[{[\]:]/.test(name)) throw new Unsupported();
      tokens.push({ t: "variable", v: name });
      i = end + 1;
    } else if (c === "'" || c === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Unsupported();
        const d = text[j];
        if (d === "\\" && (text[j + 1] === "'" || text[j + 1] === '"')) {
          value += text[j + 1];
          j += 2;
        } else if (d === c) {
          break;
        } else if (d === "'" || d === '"') {
          throw new Unsupported(); // survey-core's string literals cannot hold the other quote either
        } else {
          value += d;
          j++;
        }
      }
      tokens.push({ t: "string", v: value });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const hex = /^0x[0-9]+/.exec(text.slice(i));
      const decimal = /^(0|[1-9][0-9]*)(\.[0-9]+)?(?![0-9.])/.exec(text.slice(i));
      if (hex) tokens.push({ t: "number", v: parseInt(hex[0], 16) });
      else if (decimal) tokens.push({ t: "number", v: Number(decimal[0]) });
      else throw new Unsupported();
      i += (hex ?? decimal)![0].length;
    } else if (/[a-zA-Z_]/.test(c)) {
      const word = /^[a-zA-Z_][a-zA-Z_0-9]*/.exec(text.slice(i))![0];
      tokens.push({ t: "word", v: word });
      i += word.length;
    } else {
      const op = ["||", "&&", "<=", ">=", "==", "!=", "*="].find((o) => text.startsWith(o, i)) ?? c;
      if (op.length === 1 && !"<>=!()[],-".includes(op)) throw new Unsupported();
      tokens.push({ t: "op", v: op });
      i += op.length;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.expression();
    if (this.pos < this.tokens.length) throw new Unsupported();
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private keyword(): string | null {
    const token = this.peek();
    if (!token) return null;
    if (token.t === "op") return token.v;
    if (token.t === "word") return token.v.toLowerCase();
    return null;
  }

  private take(expected: string): boolean {
    if (this.keyword() !== expected) return false;
    this.pos++;
    return true;
  }

  private expression(): Node {
    let node = this.conjunction();
    while (this.take("or") || this.take("||")) node = { kind: "binary", op: "or", left: node, right: this.conjunction() };
    return node;
  }

  private conjunction(): Node {
    let node = this.comparison();
    while (this.take("and") || this.take("&&")) node = { kind: "binary", op: "and", left: node, right: this.comparison() };
    return node;
  }

  private comparison(): Node {
    let node = this.binaryFunction();
    for (let op = this.operator(COMPARISONS); op; op = this.operator(COMPARISONS)) {
      node = { kind: "binary", op, left: node, right: this.binaryFunction() };
    }
    return node;
  }

  private binaryFunction(): Node {
    let node = this.factor();
    for (let op = this.operator(FUNCTIONS); op; op = this.operator(FUNCTIONS)) {
      node = { kind: "binary", op, left: node, right: this.factor() };
    }
    return node;
  }

  private operator(table: Record<string, BinaryOp>): BinaryOp | null {
    const word = this.keyword();
    if (word === null || !Object.hasOwn(table, word)) return null;
    this.pos++;
    return table[word];
  }

  private factor(): Node {
    if (this.take("!") || this.take("negate")) return { kind: "unary", op: "negate", operand: this.operand(this.factor()) };
    if (this.take("(")) {
      const node = this.expression();
      if (!this.take(")")) throw new Unsupported();
      return node;
    }
    if (this.take("[")) {
      const items: Node[] = [];
      if (!this.take("]")) {
        do
          items.push(this.operand(this.expression())); // survey-core reads [null, …] as []
        while (this.take(","));
        if (!this.take("]")) throw new Unsupported();
      }
      return { kind: "array", items };
    }
    const atom = this.atom();
    const suffix = this.keyword();
    if (suffix === "empty" || suffix === "notempty") {
      this.pos++;
      return { kind: "unary", op: suffix, operand: this.operand(atom) };
    }
    return atom;
  }

  // survey-core crashes on a unary operator applied to a bare null or undefined.
  private operand(node: Node): Node {
    if (node.kind === "null") throw new Unsupported();
    return node;
  }

  private atom(): Node {
    const token = this.tokens[this.pos++];
    if (!token) throw new Unsupported();
    switch (token.t) {
      case "variable": {
        const asIs = token.v.length > 1 && token.v.startsWith("#");
        return { kind: "variable", name: asIs ? token.v.slice(1) : token.v, asIs };
      }
      case "string":
        return { kind: "const", value: token.v };
      case "number":
        return { kind: "const", value: token.v };
      case "op": {
        const next = this.tokens[this.pos++];
        if (token.v === "-" && next?.t === "number") return { kind: "const", value: -next.v };
        throw new Unsupported();
      }
      case "word": {
        if (this.peek()?.t === "op" && this.keyword() === "(") throw new Unsupported(); // a function call
        if (token.v === "null" || token.v === "undefined") return { kind: "null" };
        const lower = token.v.toLowerCase();
        if (lower === "true" || lower === "false") return { kind: "const", value: lower === "true" };
        // survey-core reads "trueish" as true followed by garbage, and fails.
        if (/^(true|false)/.test(lower) || /^(null|undefined)/.test(token.v)) throw new Unsupported();
        if (Object.hasOwn(COMPARISONS, lower) || Object.hasOwn(FUNCTIONS, lower)) throw new Unsupported();
        if (["or", "and", "negate", "empty", "notempty", "power"].includes(lower)) throw new Unsupported();
        return { kind: "const", value: token.v };
      }
    }
  }
}

function parseCondition(expression: string): Node | null {
  try {
    return new Parser(tokenize(patch(expression))).parse();
  } catch {
    return null; // unsupported syntax, or brackets nested deeper than the stack allows
  }
}

// ---- survey-core's value semantics (Helpers, OperandMaker, Const/Variable.getCorrectValue) ----

const isObject = (v: unknown): v is object => v instanceof Object;

function isValueEmpty(value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return true;
  if (isObject(value) && value.constructor === Object) {
    return Object.values(value).every(isValueEmpty);
  }
  return !value && value !== 0 && value !== false;
}

function toNumber(value: unknown): number {
  let v = value;
  if (typeof v === "string") {
    v = v.trim();
    const s = v as string;
    if (!s) return NaN;
    if (s.startsWith("0x")) return s.length > 32 ? NaN : parseInt(s);
    if (s.length > 15 && /^[0-9]+$/.test(s)) return NaN;
    if (!(s.lastIndexOf("-") > 0 || s.lastIndexOf("+") > 0) && /[*^/%]/.test(s)) return NaN;
    const comma = s.indexOf(",");
    if (comma > -1 && s.indexOf(",", comma + 1) < 0) v = s.replace(",", ".");
  }
  const result = parseFloat(v as string);
  return isNaN(result) || !isFinite(v as number) ? NaN : result;
}

/** How survey-core reads a value before comparing: "true" → true, "12" → 12, "'x'" → "x". */
function correctValue(value: unknown): unknown {
  if (!value || typeof value !== "string") return value;
  const lower = value.toLowerCase();
  if (lower === "true" || lower === "false") return lower === "true";
  const quote = (ch: string) => ch === "'" || ch === '"';
  if (value.length > 1 && quote(value[0]) && quote(value[value.length - 1])) return value.slice(1, -1);
  if (!isNaN(toNumber(value))) {
    if (value[0] === "0" && !value.startsWith("0x")) {
      const hasPoint = value.length > 1 && (value[1] === "." || value[1] === ",");
      if ((!hasPoint && value.length > 1) || (hasPoint && value.length < 2)) return value;
    }
    return toNumber(value);
  }
  return value;
}

function isConvertibleToNumber(value: unknown): boolean {
  return value !== undefined && value !== null && !Array.isArray(value) && !isNaN(value as number);
}

function valuesEqual(x: unknown, y: unknown, ignoreOrder: boolean): boolean {
  if (x === y) return true;
  if (Array.isArray(x) && x.length === 0 && y === undefined) return true;
  if (Array.isArray(y) && y.length === 0 && x === undefined) return true;
  if ((x === undefined || x === null) && y === "") return true;
  if ((y === undefined || y === null) && x === "") return true;
  if (typeof x === "string" && typeof y === "string") return x.trim().toLowerCase() === y.trim().toLowerCase();
  if (isConvertibleToNumber(x) && isConvertibleToNumber(y)) {
    if (parseInt(x as string) === parseInt(y as string) && parseFloat(x as string) === parseFloat(y as string)) return true;
  }
  if (isValueEmpty(x) !== isValueEmpty(y)) return false;
  if ((x === true || x === false) && typeof y === "string") return x.toString() === y.toLocaleLowerCase();
  if ((y === true || y === false) && typeof x === "string") return y.toString() === x.toLocaleLowerCase();
  if (!isObject(x) && !isObject(y)) return x == y;
  if (!isObject(x) || !isObject(y)) return false;
  if (Array.isArray(x) && Array.isArray(y)) {
    if (x.length !== y.length) return false;
    const [xs, ys] = ignoreOrder ? [[...x].sort(), [...y].sort()] : [x, y];
    return xs.every((item, i) => valuesEqual(item, ys[i], ignoreOrder));
  }
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  for (const key of Object.keys(a)) {
    if (!Object.hasOwn(b, key) || !valuesEqual(a[key], b[key], ignoreOrder)) return false;
  }
  return Object.keys(b).every((key) => Object.hasOwn(a, key));
}

function equal(x: unknown, y: unknown): boolean {
  return valuesEqual(x === "undefined" ? undefined : x, y === "undefined" ? undefined : y, true);
}

function containsCore(container: unknown, item: unknown, isContains: boolean): boolean {
  let left = container;
  if (Array.isArray(left) && !left.length) return !isContains;
  if (!left && left !== 0 && left !== false) return false;
  if (!(left as { length?: number }).length) left = String(left);
  if (typeof left === "string") {
    if (!item) return false;
    const found = left.toLowerCase().indexOf(String(item).toLowerCase()) > -1;
    return isContains ? found : !found;
  }
  const list = left as ArrayLike<unknown>;
  for (const wanted of Array.isArray(item) ? item : [item]) {
    let i = 0;
    while (i < list.length && !equal(list[i], wanted)) i++;
    if (i === list.length) return !isContains;
  }
  return isContains;
}

const contains = (left: unknown, right: unknown) => containsCore(left, right, true);

function anyOf(left: unknown, right: unknown): boolean {
  if (isValueEmpty(left) && isValueEmpty(right)) return true;
  if (isValueEmpty(left) || (!Array.isArray(left) && (left as { length?: number }).length === 0)) return false;
  if (isValueEmpty(right)) return true;
  if (!Array.isArray(left)) return contains(right, left);
  if (!Array.isArray(right)) return contains(left, right);
  return right.some((item) => contains(left, item));
}

function allOf(left: unknown, right: unknown): boolean {
  if (!left && !isValueEmpty(right)) return false;
  if (!Array.isArray(right)) return contains(left, right);
  return right.every((item) => contains(left, item));
}

// survey-core's and/or go through its arithmetic wrapper, which swaps an empty side for a
// neutral value of the other side's kind before applying && or ||.
function arithmeticSide(value: unknown, other: unknown): unknown {
  if (!isValueEmpty(value)) return value;
  if (typeof other === "number") return 0;
  if (typeof value === "string") return value;
  if (typeof other === "string") return "";
  if (Array.isArray(other)) return [];
  return 0;
}

function compare(op: "less" | "greater", left: unknown, right: unknown): boolean {
  if (left == null || right == null) return false;
  // Plain JavaScript comparison with its coercions, as survey-core does.
  const [l, r] = [left as number, right as number];
  return op === "less" ? l < r : l > r;
}

function binary(op: BinaryOp, left: unknown, right: unknown): unknown {
  switch (op) {
    case "or":
    case "and": {
      const a = arithmeticSide(left, right);
      const b = arithmeticSide(right, a);
      return op === "and" ? a && b : a || b;
    }
    case "equal":
      return equal(left, right);
    case "notequal":
      return !equal(left, right);
    case "less":
      return compare("less", left, right);
    case "greater":
      return compare("greater", left, right);
    case "lessorequal":
      return equal(left, right) || compare("less", left, right);
    case "greaterorequal":
      return equal(left, right) || compare("greater", left, right);
    case "contains":
      return containsCore(left, right, true);
    case "notcontains":
      return !left && !isValueEmpty(right) ? true : containsCore(left, right, false);
    case "anyof":
      return anyOf(left, right);
    case "noneof":
      return !anyOf(left, right);
    case "allof":
      return allOf(left, right);
  }
}

// survey-core's VariableGetterContext.getValueByItemCore: one step of a path; undefined = not found.
function step(obj: unknown, name: string): unknown {
  if (!obj || !name) return undefined;
  if (name === "length" && (Array.isArray(obj) || typeof obj === "string")) return obj.length;
  if (typeof obj !== "object") return undefined;
  const lower = name.toLowerCase();
  const [a, A] = [lower[0], name[0].toLocaleUpperCase()];
  for (const key in obj) {
    if ((key[0] === a || key[0] === A) && key.toLowerCase() === lower) return (obj as Record<string, unknown>)[key];
  }
  return undefined;
}

// survey-core's ValueGetter: at each point of the dotted path the longest name that exists wins
// ({a.b} is the answer "a.b" if there is one, else "b" inside "a"). A name that is not found is
// null, except that "….length" of anything not found (unanswered, a number, a boolean) is 0.
function lookup(values: Record<string, unknown>, name: string): unknown {
  const path = name.split(".");
  let value: unknown = values;
  for (let i = 0; i < path.length;) {
    let end = path.length;
    for (; end > i; end--) {
      const found = step(value, path.slice(i, end).join("."));
      if (found !== undefined) {
        value = found;
        break;
      }
    }
    if (end === i) return name.endsWith(".length") ? 0 : null;
    i = end;
  }
  return value;
}

function evaluate(node: Node, values: Record<string, unknown>): unknown {
  switch (node.kind) {
    case "const":
      return node.value;
    case "null":
      return null;
    case "variable": {
      const value = lookup(values, node.name);
      return node.asIs ? value : correctValue(value);
    }
    case "array":
      return node.items.map((item) => evaluate(item, values));
    case "unary": {
      const value = evaluate(node.operand, values);
      if (node.op === "negate") return !value;
      return node.op === "empty" ? isValueEmpty(value) : !isValueEmpty(value);
    }
    case "binary":
      return binary(node.op, evaluate(node.left, values), evaluate(node.right, values));
  }
}

/** Whether evaluateCondition understands the expression (otherwise it always answers true). */
export function isSupportedCondition(expression: string): boolean {
  return parseCondition(expression) !== null;
}

/** Evaluates a SurveyJS condition against answers keyed by question name. Unsupported or
 *  unparseable expressions answer true, so the element they guard stays visible. */
export function evaluateCondition(expression: string, values: Record<string, unknown>): boolean {
  const node = parseCondition(expression);
  if (!node) return true;
  // Loose equality on purpose: survey-core's ConditionRunner returns `result == true`.
  return evaluate(node, values) == true;
}
