// Checks a SurveyJS definition before office staff save or publish it: the JSON itself, what
// survey-core makes of it, the conditions residents' phones must evaluate, and the measure tags.
// Errors are i18n keys (surveyDef.*) with params and, when the text is known, its line number.
import { ConditionRunner, ConditionsParser, ExpressionErrorType, Model, Serializer, type JsonError, type Question } from "survey-core";
import "./properties";
import { isSupportedCondition } from "./condition";
import { isMeasure, MEASURES } from "./tags";

export const MAX_DEFINITION_BYTES = 512 * 1024;

export type DefinitionError = { key: string; params: Record<string, string | number>; line: number | null };

export type DefinitionCheck = { ok: true; definition: Record<string, unknown> } | { ok: false; errors: DefinitionError[] };

type JsonObject = Record<string, unknown>;
type Params = DefinitionError["params"];
/** The line of an object in the text, or of one of its keys; null without text. */
type Locate = (obj: unknown, key?: string) => number | null;

/** Conditions the resident's phone evaluates with app/survey/condition.ts. */
const PHONE_CONDITIONS = ["visibleIf", "enableIf", "requiredIf"];

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** Deeper nesting than any questionnaire needs; it would only exhaust the stack of the walks. */
const MAX_DEPTH = 64;

/** Checks the text of a definition as office staff typed or uploaded it. */
export function checkDefinitionText(text: string): DefinitionCheck {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_DEFINITION_BYTES) {
    const kib = (n: number) => Math.ceil(n / 1024);
    return failure([{ key: "surveyDef.tooLarge", params: { size: kib(bytes), max: kib(MAX_DEFINITION_BYTES) }, line: null }]);
  }
  const source = text.replace(/^\uFEFF/, "");
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    const { line, column } = syntaxErrorPosition(source, error);
    return failure([{ key: "surveyDef.invalidJson", params: { line, column }, line }]);
  }
  let located: Map<string, Located>;
  try {
    located = scanJson(source);
  } catch (error) {
    if (!(error instanceof JsonScanError)) throw error;
    return failure([{ key: "surveyDef.tooDeep", params: { max: MAX_DEPTH }, line: lineColumn(source, error.offset).line }]);
  }
  return check(json, locator(located, json));
}

/** Checks an already parsed definition (errors carry no line numbers). */
export function checkDefinition(json: unknown): DefinitionCheck {
  return check(json, () => null);
}

function failure(errors: DefinitionError[]): DefinitionCheck {
  return { ok: false, errors };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Where JSON.parse stopped. Node's messages give "position N", "(line L column C)" or nothing
 *  ("Unexpected token ']', … is not valid JSON"), so the scanner below finds the offset itself. */
function syntaxErrorPosition(text: string, error: unknown): { line: number; column: number } {
  try {
    scanJson(text);
  } catch (scan) {
    if (scan instanceof JsonScanError && !scan.tooDeep) return lineColumn(text, scan.offset);
  }
  const message = error instanceof Error ? error.message : "";
  const reported = /line (\d+) column (\d+)/.exec(message);
  if (reported) return { line: Number(reported[1]), column: Number(reported[2]) };
  const position = /position (\d+)/.exec(message);
  return lineColumn(text, position ? Number(position[1]) : text.length);
}

// ---- line numbers: a strict JSON scanner records the line of every object, array and key ----

type Located = { line: number; keys: Map<string, number> };

class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    readonly tooDeep = false,
  ) {
    super(tooDeep ? "JSON nested too deeply" : `JSON syntax error at ${offset}`);
  }
}

function locator(located: Map<string, Located>, json: unknown): Locate {
  const paths = new WeakMap<object, string>();
  const walk = (value: unknown, path: string) => {
    if (typeof value !== "object" || value === null) return;
    paths.set(value, path);
    for (const [key, child] of Object.entries(value)) walk(child, `${path}/${pointer(key)}`);
  };
  walk(json, "");
  return (obj, key) => {
    const path = typeof obj === "object" && obj !== null ? paths.get(obj) : undefined;
    const entry = path === undefined ? undefined : located.get(path);
    if (!entry) return null;
    return (key !== undefined ? entry.keys.get(key) : undefined) ?? entry.line;
  };
}

const pointer = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** Objects and arrays by JSON-pointer path (a duplicated key keeps the last, as JSON.parse does). */
function scanJson(text: string): Map<string, Located> {
  const found = new Map<string, Located>();
  let i = 0;
  let line = 1;
  const fail = (): never => {
    throw new JsonScanError(i);
  };
  const space = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) {
      if (text[i] === "\n") line++;
      i++;
    }
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) fail();
    i++;
  };
  const string = (): string => {
    const start = i;
    expect('"');
    while (text[i] !== '"') {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      if (text[i] === "\\") {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) fail();
        i = ESCAPE.lastIndex;
      } else {
        i++;
      }
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string, depth: number): void => {
    if (depth > MAX_DEPTH) throw new JsonScanError(i, true);
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      const entry: Located = { line, keys: new Map() };
      found.set(path, entry);
      const close = c === "{" ? "}" : "]";
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        space();
        let child = String(n);
        if (c === "{") {
          const keyLine = line;
          const key = string();
          entry.keys.set(key, keyLine);
          child = pointer(key);
          space();
          expect(":");
        }
        value(`${path}/${child}`, depth + 1);
        space();
        if (text[i] === ",") i++;
        else return expect(close);
      }
    } else if (c === '"') {
      string();
    } else {
      const word = ["true", "false", "null"].find((w) => text.startsWith(w, i));
      NUMBER.lastIndex = i;
      if (word) i += word.length;
      else if (NUMBER.test(text)) i = NUMBER.lastIndex;
      else fail();
    }
  };
  value("", 0);
  space();
  if (i < text.length) fail();
  return found;
}

// ---- the checks ----

type Element = { json: JsonObject; className: string };

/** The survey, its pages and their elements (panels' too), each with its SurveyJS class. */
function elementsOf(definition: JsonObject): Element[] {
  const result: Element[] = [{ json: definition, className: "survey" }];
  const visit = (elements: unknown) => {
    if (!Array.isArray(elements)) return;
    for (const element of elements) {
      if (!isObject(element)) continue;
      const className = typeof element.type === "string" ? element.type.toLowerCase() : "";
      result.push({ json: element, className });
      visit(element.elements);
      visit(element.templateElements);
    }
  };
  if (Array.isArray(definition.pages)) {
    for (const page of definition.pages) {
      if (!isObject(page)) continue;
      result.push({ json: page, className: "page" });
      visit(page.elements);
    }
  }
  visit(definition.elements);
  return result;
}

function label(obj: unknown, fallback: string): string {
  if (isObject(obj)) {
    if (typeof obj.name === "string" && obj.name) return obj.name;
    if (typeof obj.value === "string" || typeof obj.value === "number") return String(obj.value);
    if (typeof obj.type === "string") return obj.type;
  }
  return fallback;
}

function check(json: unknown, locate: Locate): DefinitionCheck {
  if (!isObject(json)) return failure([{ key: "surveyDef.notObject", params: {}, line: locate(json) ?? 1 }]);
  const hasContent = (list: unknown) => Array.isArray(list) && list.length > 0;
  if (!hasContent(json.pages) && !hasContent(json.elements)) {
    return failure([{ key: "surveyDef.noPages", params: {}, line: locate(json, "pages") }]);
  }

  const errors: DefinitionError[] = [];
  const add = (key: string, params: Params, obj: unknown, property?: string) => errors.push({ key, params, line: locate(obj, property) });
  const elements = elementsOf(json);
  const strings = expressionsIn(json);
  const verdicts = new Map(strings.filter((e) => PHONE_CONDITIONS.includes(e.property)).map((e) => [e, parse(e.text)]));
  // A condition that makes survey-core throw would throw again while loading; report it alone.
  const survey = [...verdicts.values()].includes("throws")
    ? null
    : surveyCore(json, add, () => {
        const model = new Model();
        model.fromJSON(json, { validatePropertyValues: true });
        return model;
      });

  if (survey) {
    for (const error of survey.jsonErrors ?? []) jsonError(error, add);
    if (survey.getAllQuestions().filter((q) => q.hasInput).length === 0) add("surveyDef.noQuestions", {}, json, "pages");
  }
  propertyTypes(elements, add);
  duplicateNames(elements, add);
  expressions(json, strings, verdicts, survey, add);
  if (survey) measureTags(elements, survey, add);

  errors.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  return errors.length > 0 ? failure(errors) : { ok: true, definition: json };
}

type Add = (key: string, params: Params, obj: unknown, property?: string) => void;

/** Runs survey-core on the definition, turning an exception into an error for the office. */
function surveyCore<T>(json: JsonObject, add: Add, run: () => T): T | null {
  try {
    return run();
  } catch (error) {
    add("surveyDef.loadFailed", { message: error instanceof Error ? error.message : String(error) }, json);
    return null;
  }
}

function jsonError(error: JsonError, add: Add) {
  const e = error as JsonError & { propertyName?: string; className?: string; property?: { name: string }; value?: unknown };
  const obj = e.jsonObj;
  const name = label(obj, e.className ?? "");
  switch (e.type) {
    case "unknownproperty":
      if (e.className === "survey") add("surveyDef.unknownSurveyProperty", { property: e.propertyName ?? "" }, obj, e.propertyName);
      else add("surveyDef.unknownProperty", { name, property: e.propertyName ?? "" }, obj, e.propertyName);
      return;
    case "missingtypeproperty":
      add("surveyDef.missingType", { name }, obj);
      return;
    case "incorrecttypeproperty":
      add("surveyDef.unknownType", { name, type: isObject(obj) ? String(obj.type) : "" }, obj, "type");
      return;
    case "requiredproperty":
      add("surveyDef.requiredProperty", { name, property: e.propertyName ?? "" }, obj);
      return;
    case "arrayproperty":
      add("surveyDef.notArray", { name, property: e.propertyName ?? "" }, obj, e.propertyName);
      return;
    case "incorrectvalue": {
      const property = e.property?.name ?? "";
      const value = typeof e.value === "object" ? JSON.stringify(e.value) : String(e.value);
      if (property === "measure") add("surveyDef.unknownMeasure", { name, measure: value, measures: MEASURES.join("、") }, obj, property);
      else add("surveyDef.badValue", { name, property, value }, obj, property);
      return;
    }
    default:
      add("surveyDef.jsonError", { message: e.message }, obj);
  }
}

/** survey-core silently ignores `"isRequired": "yes"` or `"rateMax": "5"`; staff should hear of it. */
function propertyTypes(elements: Element[], add: Add) {
  for (const { json, className } of elements) {
    if (!className || !Serializer.findClass(className)) continue;
    for (const [key, value] of Object.entries(json)) {
      const type = Serializer.findProperty(className, key)?.type;
      const name = label(json, className);
      if ((type === "boolean" || type === "switch") && typeof value !== "boolean") {
        add("surveyDef.notBoolean", { name, property: key }, json, key);
      } else if (type === "number" && typeof value !== "number") {
        add("surveyDef.notNumber", { name, property: key }, json, key);
      }
    }
  }
}

/** Names must be unique ignoring case: conditions find {Aware} and {aware} alike. */
function duplicateNames(elements: Element[], add: Add) {
  const seen = new Set<string>();
  for (const { json, className } of elements) {
    if (className === "survey" || className === "page" || typeof json.name !== "string") continue;
    const key = json.name.toLowerCase();
    if (seen.has(key)) add("surveyDef.duplicateName", { name: json.name }, json, "name");
    seen.add(key);
  }
}

type Expression = { obj: JsonObject; property: string; text: string };

function expressionsIn(value: unknown, found: Expression[] = []): Expression[] {
  if (Array.isArray(value)) {
    for (const item of value) expressionsIn(item, found);
  } else if (isObject(value)) {
    for (const [property, child] of Object.entries(value)) {
      if (typeof child === "string") found.push({ obj: value, property, text: child });
      else expressionsIn(child, found);
    }
  }
  return found;
}

type Verdict = "ok" | "invalid" | "throws";

/** survey-core's verdict on a condition; a few malformed ones (e.g. "null empty") make it throw. */
function parse(text: string): Verdict {
  try {
    return new ConditionsParser().parseExpression(text) && new ConditionRunner(text).canRun() ? "ok" : "invalid";
  } catch {
    return "throws";
  }
}

function expressions(json: JsonObject, strings: Expression[], verdicts: Map<Expression, Verdict>, survey: Model | null, add: Add) {
  const reported = new Set<Expression>();
  const report = (expression: Expression, key: string, params: Params) => {
    if (reported.has(expression)) return;
    reported.add(expression);
    const name = label(expression.obj, "survey");
    add(key, { name, property: expression.property, expression: expression.text, ...params }, expression.obj, expression.property);
  };

  for (const [expression, verdict] of verdicts) {
    if (verdict !== "ok") report(expression, "surveyDef.badExpression", {});
  }
  const options = { variables: true, functions: true, semantics: false };
  const results = (survey && surveyCore(json, add, () => survey.validateExpressions(options))) ?? [];
  for (const result of results) {
    const text = (result.obj as unknown as JsonObject)[result.propertyName];
    const expression = strings.find((s) => s.property === result.propertyName && s.text === text);
    if (!expression) continue;
    for (const error of result.errors) {
      if (error.errorType === ExpressionErrorType.SyntaxError) report(expression, "surveyDef.badExpression", {});
      if (error.errorType === ExpressionErrorType.UnknownFunction) {
        report(expression, "surveyDef.unknownFunction", { function: error.functionName ?? "" });
      }
      if (error.errorType === ExpressionErrorType.UnknownVariable) {
        report(expression, "surveyDef.unknownVariable", { variable: error.variableName ?? "" });
      }
    }
  }
  for (const expression of verdicts.keys()) {
    if (!isSupportedCondition(expression.text)) report(expression, "surveyDef.unsupportedExpression", {});
  }
}

const SINGLE_CHOICE = ["radiogroup", "dropdown", "buttongroup", "imagepicker"];

/** The answers a question can take, or null when it cannot feed a rate (one answer from a list). */
function possibleAnswers(question: Question): unknown[] | null {
  const q = question as Question & Record<string, unknown>;
  const type = question.getType();
  if (type === "rating") return (q.visibleRateValues as { value: unknown }[]).map((item) => item.value);
  if (type === "boolean") return [(q.getValueTrue as () => unknown)(), (q.getValueFalse as () => unknown)()];
  if (!SINGLE_CHOICE.includes(type) || q.multiSelect === true) return null;
  return choiceValues(question);
}

/** The values of a choice question's items, with the built-in "other", "none" … items it shows. */
export function choiceValues(question: Question): unknown[] {
  const q = question as Question & Record<string, unknown>;
  const values = (q.choices as { value: unknown }[]).map((item) => item.value);
  const builtIn: [string, string][] = [
    ["showOtherItem", "otherItem"],
    ["showNoneItem", "noneItem"],
    ["showRefuseItem", "refuseItem"],
    ["showDontKnowItem", "dontKnowItem"],
  ];
  for (const [flag, item] of builtIn) {
    if (q[flag] === true) values.push((q[item] as { value: unknown }).value);
  }
  return values;
}

function measureTags(elements: Element[], survey: Model, add: Add) {
  for (const { json, className } of elements) {
    if (className === "survey" || className === "page") continue;
    const name = label(json, className);
    const tags = ["positiveAnswers", "excludedAnswers", "answerScores"].filter((t) => t in json);
    if (!("measure" in json)) {
      if (tags.length > 0) add("surveyDef.tagsWithoutMeasure", { name }, json, tags[0]);
      continue;
    }
    if (!isMeasure(json.measure)) continue; // survey-core reports it (validatePropertyValues)
    const question = typeof json.name === "string" ? survey.getQuestionByName(json.name) : null;
    if (!question) {
      if (className === "panel") add("surveyDef.measureNeedsChoices", { name, type: className }, json, "measure");
      continue;
    }
    const possible = possibleAnswers(question);
    if (!possible) {
      add("surveyDef.measureNeedsChoices", { name, type: question.getType() }, json, "measure");
      continue;
    }
    const positive = Array.isArray(json.positiveAnswers) ? json.positiveAnswers : [];
    const excluded = Array.isArray(json.excludedAnswers) ? json.excludedAnswers : [];
    if (Array.isArray(json.positiveAnswers) ? positive.length === 0 : !("positiveAnswers" in json)) {
      add("surveyDef.noPositiveAnswers", { name }, json, "measure");
    }
    // Answers are compared as text, as the rate engine (app/domain/measures.ts) does.
    const offered = new Set(possible.map(String));
    for (const [property, list] of [
      ["positiveAnswers", positive],
      ["excludedAnswers", excluded],
    ] as const) {
      for (const value of list) {
        if (!offered.has(String(value))) add("surveyDef.answerNotAChoice", { name, property, value: String(value) }, json, property);
      }
    }
    const excludedText = new Set(excluded.map(String));
    for (const value of positive) {
      if (excludedText.has(String(value))) add("surveyDef.answerInBoth", { name, value: String(value) }, json, "excludedAnswers");
    }
    if ("answerScores" in json) {
      const scores = json.answerScores;
      if (!isObject(scores)) {
        add("surveyDef.badScores", { name }, json, "answerScores");
      } else {
        for (const [answer, points] of Object.entries(scores)) {
          if (!offered.has(answer)) {
            add("surveyDef.answerNotAChoice", { name, property: "answerScores", value: answer }, scores, answer);
          }
          if (typeof points !== "number" || !Number.isFinite(points)) add("surveyDef.badScore", { name, answer }, scores, answer);
        }
      }
    }
    if (typeof json.weight === "number" && !(json.weight > 0)) add("surveyDef.badWeight", { name }, json, "weight");
  }
}
