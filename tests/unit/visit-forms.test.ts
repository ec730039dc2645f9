// The signals for questionnaires volunteers fill with residents: too fast for the questions
// answered, and the same full answer set on many households by one volunteer in one day.
import { describe, expect, it } from "vitest";
import { answeredQuestions, answerPattern, responseSignals, type SignalResponse } from "~/domain/visit-forms";

const at = (iso: string) => new Date(iso);
let n = 0;
const response = (over: Partial<SignalResponse> = {}): SignalResponse => ({
  id: String(++n),
  collectedBy: 1,
  householdId: n,
  finishedAt: at("2026-12-01T10:00:00+08:00"),
  durationSeconds: 600,
  answers: { q1: "满意", q2: "基本满意", q3: ["路灯", "绿化"], q4: "路面有坑" },
  ...over,
});
const rules = { secondsPerAnswer: 5, identicalHouseholds: 3 };
const signalsOf = (rs: SignalResponse[]) => Object.fromEntries([...responseSignals(rs, rules)].map(([id, s]) => [id, [...s].sort()]));

describe("answeredQuestions", () => {
  it("counts questions with an answer, not blanks, empty choices or the text of an 'other' choice", () => {
    expect(answeredQuestions({ a: "满意", b: "", c: [], d: null, e: ["x"], f: 0, g: false })).toBe(4);
    expect(answeredQuestions({ a: "other", "a-Comment": "楼道堆物", b: "满意" })).toBe(2);
    // A comment field without its question is a question of its own name.
    expect(answeredQuestions({ "x-Comment": "文字" })).toBe(1);
    expect(answeredQuestions({})).toBe(0);
  });
});

describe("answerPattern", () => {
  it("is the same for the same answers in any order and checkbox order, different for any other answer", () => {
    expect(answerPattern({ a: "1", b: ["y", "x"] })).toBe(answerPattern({ b: ["x", "y"], a: "1" }));
    expect(answerPattern({ a: "1", b: "" })).toBe(answerPattern({ a: "1" }));
    expect(answerPattern({ a: "1" })).not.toBe(answerPattern({ a: 1 }));
    expect(answerPattern({ a: "1" })).not.toBe(answerPattern({ a: "1", b: "2" }));
  });
});

describe("responseSignals: too fast", () => {
  it("flags a questionnaire under 5 seconds per answered question, not one at or over it", () => {
    // Four volunteers: no identical answer sets here.
    const fast = response({ collectedBy: 11, durationSeconds: 19 }); // 4 answered × 5 s = 20 s
    const edge = response({ collectedBy: 12, durationSeconds: 20 });
    const slow = response({ collectedBy: 13, durationSeconds: 300 });
    const unknown = response({ collectedBy: 14, durationSeconds: null });
    expect(signalsOf([fast, edge, slow, unknown])).toEqual({ [fast.id]: ["tooFast"] });
  });

  it("scales with the questions answered, not the questions asked", () => {
    const short = response({ durationSeconds: 12, answers: { q1: "满意", q2: "满意" } }); // 2 × 5 = 10 s: fine
    const long = response({ durationSeconds: 12, answers: { q1: "满意", q2: "满意", q3: "满意" } }); // 15 s needed
    expect(signalsOf([short, long])).toEqual({ [long.id]: ["tooFast"] });
  });
});

describe("responseSignals: identical answers", () => {
  it("flags the same full answer set on 3 households by one volunteer in one Beijing day, all of them", () => {
    const same = [8, 9, 10].map((hour) => response({ finishedAt: at(`2026-12-01T${String(hour).padStart(2, "0")}:00:00+08:00`) }));
    const other = response({ answers: { q1: "不满意" } });
    expect(signalsOf([...same, other])).toEqual(Object.fromEntries(same.map((r) => [r.id, ["identicalAnswers"]])));
  });

  it("does not flag two households, two volunteers, two days (Beijing midnight), or one household answered thrice", () => {
    const two = [response(), response()];
    const volunteers = [response({ collectedBy: 1 }), response({ collectedBy: 2 }), response({ collectedBy: 3 })];
    // 23:30 and 00:30 Beijing are two days, though the same UTC day.
    const days = [
      response({ collectedBy: 4, finishedAt: at("2026-12-01T23:00:00+08:00") }),
      response({ collectedBy: 4, finishedAt: at("2026-12-01T23:30:00+08:00") }),
      response({ collectedBy: 4, finishedAt: at("2026-12-02T00:30:00+08:00") }),
    ];
    const oneFlat = [1, 2, 3].map(() => response({ collectedBy: 5, householdId: 999 }));
    expect(signalsOf([...two])).toEqual({});
    expect(signalsOf(volunteers)).toEqual({});
    expect(signalsOf(days)).toEqual({});
    expect(signalsOf(oneFlat)).toEqual({});
  });

  it("raises both signals on one questionnaire when both apply, and ignores empty answer sets", () => {
    const same = [1, 2, 3].map(() => response({ collectedBy: 6, durationSeconds: 5 }));
    const empty = [1, 2, 3].map(() => response({ collectedBy: 7, answers: {} }));
    expect(signalsOf([...same, ...empty])).toEqual(Object.fromEntries(same.map((r) => [r.id, ["identicalAnswers", "tooFast"]])));
  });

  it("uses the stated defaults: 5 seconds per answer, 5 households", () => {
    const four = [1, 2, 3, 4].map(() => response({ collectedBy: 8 }));
    expect(responseSignals(four).size).toBe(0);
    expect(responseSignals([...four, response({ collectedBy: 8 })]).size).toBe(5);
  });
});
