// The phone-side condition evaluator is checked against survey-core 3.0.0's ConditionRunner, the
// implementation the server (and SurveyJS itself) uses, on every expression × answer set below.
import { ConditionRunner, ConditionsParser } from "survey-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evaluateCondition, isSupportedCondition } from "~/survey/condition";
import { prng, randomCondition, randomValues } from "./condition-fuzz";

const VALUE_SETS: Record<string, unknown>[] = [
  {},
  { aware: "知道", channels: ["电视", "网络"], age: "60岁以上", years: 12, score: "5", ok: true },
  { aware: "不知道", channels: [], age: "18-30岁", years: "03", score: 3, ok: "false", note: "" },
  { AWARE: " 知道 ", channels: "电视", years: 0, score: "x", ok: false, note: "有意见，路灯坏了" },
  { aware: null, channels: ["网络"], years: "10", score: [1, 2], obj: { a: 1 } },
  { reached: "接通", satisfied: "不满意", solved: "部分解决", ontime: "否", n: 1.5, s: "1,5" },
  { reached: "接通", satisfied: "基本满意", solved: "已解决", ontime: "是", n: "-2" },
  { a: "TRUE", b: "True", c: "'quoted'", d: "0x10", e: "1e3", f: " 7 ", years: 3 },
  { aware: "ABC", channels: ["报纸", "电视"], missing: 0, score: "1", years: 2, note: 1 },
];

const SUPPORTED = [
  "{aware} = '知道'",
  '{aware} == "知道"',
  "{aware} != '知道'",
  "{aware} <> '知道'",
  "{aware} notempty",
  "{aware} empty",
  "{channels} contains '电视'",
  "{channels} notcontains '电视'",
  "{channels} anyof ['电视', '报纸']",
  "{channels} allof ['电视', '网络']",
  "{channels} noneof ['报纸']",
  "{age} anyof ['60岁以上', '18-30岁']",
  "{years} > 5",
  "{years} >= 10",
  "{years} < 3",
  "{years} <= '3'",
  "{score} = 5",
  "{score} = '5'",
  "{ok} = true",
  "{ok}",
  "!{ok}",
  "!({aware} = '知道')",
  "{aware} = '知道' and {years} > 5",
  "{aware} = '知道' && {channels} notempty",
  "{aware} = '知道' or {age} = '60岁以上'",
  "{aware} = '不知道' || {years} < 1",
  "({aware} = '知道' or {aware} = '不知道') and {age} notempty",
  "{aware} = '知道' or {aware} = '不知道' and {age} empty",
  "{AWARE} = '知道'",
  "{channels.length} > 1",
  "{note} contains '路灯'",
  "{note} = ''",
  "{missing} empty",
  "{missing} = 0",
  "{reached} = '接通' and {satisfied} anyof ['满意', '基本满意']",
  "{solved} != '已解决' AND {ontime} = '否'",
  "{n} = 1.5",
  "{s} = 1.5",
  "{n} > -1",
  "{a} = true and {b} = 'true'",
  "{c} = 'quoted'",
  "{d} = 16",
  "{d} = 0x10",
  "{f} = 7",
  "{e} = 1000",
  "{years} = '03'",
  "{#years} = '03'",
  "{obj} notempty",
  "{score} contains 2",
  "{channels} = ['网络', '电视']",
  "negate {aware} empty",
  "{channels} *= '网络'",
  "{aware} equal '知道'",
  "{years} greaterorequal 10",
  "{aware} = abc",
  "{ok} = false",
  "true",
  "{aware} anyof []",
  "{aware} = null",
  "{aware} != undefined",
  "!{aware} = false",
  "{years} = 3 = true",
  "{channels} contains '电视' = false",
  "{satisfied} = '不满意' or {solved} = '未解决' or {ontime} = '否'",
  "{ok} or {aware}",
  "{years} and {note}",
  "{score}",
];

// survey-core cannot parse these: it leaves the element visible, and so does evaluateCondition.
const UNPARSEABLE = [
  "",
  "{aware} = 知道",
  "{aware} =",
  "{aware} = '知道' or",
  "not {aware} = '知道'",
  "{aware} = = '知道'",
  "{} = 1",
  "{aware} = 'say \"hi\"'",
];

// survey-core evaluates these (functions, arithmetic, forgiven syntax), the phone does not:
// checkDefinition refuses them, and evaluateCondition shows the element.
const BEYOND_THE_SUBSET = [
  "iif({aware} = '知道', true, false)",
  "age({birthday}) > 60",
  "{years} + 1 > 5",
  "({aware} = '知道'",
  "{aware} contains",
  "{panel[0].q} = 1",
  "{aware} anyof [null, '知道']",
];

function surveyCore(expression: string, values: Record<string, unknown>): boolean {
  return new ConditionRunner(expression).runValues(values);
}

beforeAll(() => {
  vi.spyOn(console, "warn").mockImplementation(() => {}); // survey-core warns about bad expressions
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe("evaluateCondition agrees with survey-core", () => {
  for (const expression of SUPPORTED) {
    it(expression, () => {
      expect(isSupportedCondition(expression)).toBe(true);
      expect(new ConditionRunner(expression).canRun()).toBe(true);
      for (const values of VALUE_SETS) {
        expect({ values, result: evaluateCondition(expression, values) }).toEqual({
          values,
          result: surveyCore(expression, values),
        });
      }
    });
  }

  it("sees both outcomes of every expression but the two constant ones", () => {
    const constant = SUPPORTED.filter((e) => new Set(VALUE_SETS.map((v) => surveyCore(e, v))).size === 1);
    expect(constant).toEqual(["true", "{aware} anyof []"]);
  });
});

describe("expressions outside the subset", () => {
  it("shows the element when survey-core cannot parse the expression either", () => {
    for (const expression of UNPARSEABLE) {
      expect(new ConditionRunner(expression).canRun(), expression).toBe(false);
      expect(isSupportedCondition(expression), expression).toBe(false);
      for (const values of VALUE_SETS) expect(evaluateCondition(expression, values), expression).toBe(true);
    }
  });

  it("shows the element for functions, arithmetic and forgiven syntax", () => {
    for (const expression of BEYOND_THE_SUBSET) {
      expect(new ConditionRunner(expression).canRun(), expression).toBe(true);
      expect(isSupportedCondition(expression), expression).toBe(false);
      expect(evaluateCondition(expression, { aware: "不知道", years: 1 }), expression).toBe(true);
    }
  });
});

describe("known answers", () => {
  it("asks for the channel only of residents who know the campaign", () => {
    expect(evaluateCondition("{aware} = '知道'", { aware: "知道" })).toBe(true);
    expect(evaluateCondition("{aware} = '知道'", { aware: "不知道" })).toBe(false);
    expect(evaluateCondition("{aware} = '知道'", {})).toBe(false);
  });

  it("compares text without regard to case or surrounding spaces, and numbers with numeric text", () => {
    expect(evaluateCondition("{q} = 'abc'", { q: " ABC " })).toBe(true);
    expect(evaluateCondition("{q} = 10", { q: "10" })).toBe(true);
    expect(evaluateCondition("{q} > 9", { q: "10" })).toBe(true);
  });

  it("binds and tighter than or", () => {
    expect(evaluateCondition("{a} = 1 or {b} = 1 and {c} = 1", { a: 1, b: 0, c: 0 })).toBe(true);
    expect(evaluateCondition("({a} = 1 or {b} = 1) and {c} = 1", { a: 1, b: 0, c: 0 })).toBe(false);
  });

  it("matches a checkbox answer with anyof, allof and contains", () => {
    const values = { ch: ["电视", "网络"] };
    expect(evaluateCondition("{ch} anyof ['报纸', '网络']", values)).toBe(true);
    expect(evaluateCondition("{ch} allof ['报纸', '网络']", values)).toBe(false);
    expect(evaluateCondition("{ch} contains '电视'", values)).toBe(true);
    expect(evaluateCondition("{ch.length} = 2", values)).toBe(true);
  });
});

// Beside the hand-picked cases: thousands of random conditions over the supported grammar and
// random answers (seeded, so a failure names a reproducible case). Every condition the
// definition check lets through (survey-core parses it and isSupportedCondition says yes) must
// come out as survey-core says, or a resident could not submit (the server requires a question
// the phone hides) or would lose an answer (the server drops what the phone showed).
describe("generated conditions agree with survey-core", () => {
  const SEED = 20_260_412;
  const CONDITIONS = 4000;
  const ANSWER_SETS = 10;

  it(`${CONDITIONS} random conditions × ${ANSWER_SETS} random answer sets (seed ${SEED})`, () => {
    const rng = prng(SEED);
    const disagreements: { expression: string; values: Record<string, unknown>; phone: boolean; surveyCore: boolean }[] = [];
    let accepted = 0;
    const outcomes = new Set<boolean>();
    for (let i = 0; i < CONDITIONS; i++) {
      const expression = randomCondition(rng);
      const valueSets = Array.from({ length: ANSWER_SETS }, () => randomValues(rng));
      if (!definitionAccepts(expression)) continue;
      accepted++;
      const runner = new ConditionRunner(expression);
      for (const values of valueSets) {
        const expected = runner.runValues(values);
        const phone = evaluateCondition(expression, values);
        outcomes.add(expected);
        if (phone !== expected && disagreements.length < 10) disagreements.push({ expression, values, phone, surveyCore: expected });
      }
    }
    expect(disagreements).toEqual([]);
    // The generator must exercise the evaluator, not only produce what the check refuses.
    expect(accepted).toBeGreaterThan(CONDITIONS * 0.8);
    expect([...outcomes].sort()).toEqual([false, true]);
  });

  it("counts the length of an unanswered question, a number or a boolean as 0, as survey-core does", () => {
    for (const values of [{}, { q: null }, { q: 5 }, { q: true }, { q: {} }]) {
      expect(evaluateCondition("{q.length} = 0", values), JSON.stringify(values)).toBe(true);
      expect(evaluateCondition("{q.length} < 1", values), JSON.stringify(values)).toBe(true);
      expect(evaluateCondition("{q.length} empty", values), JSON.stringify(values)).toBe(false);
      expect(surveyCore("{q.length} = 0", values)).toBe(true);
      expect(surveyCore("{q.length} empty", values)).toBe(false);
    }
  });
});

/** What checkDefinition lets through: survey-core can run it and the phone supports it. */
function definitionAccepts(expression: string): boolean {
  try {
    return (
      Boolean(new ConditionsParser().parseExpression(expression)) &&
      new ConditionRunner(expression).canRun() &&
      isSupportedCondition(expression)
    );
  } catch {
    return false;
  }
}
