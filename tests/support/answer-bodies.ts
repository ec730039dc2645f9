// Seeded, valid resident submissions for a questionnaire, as the resident page posts them
// (urlencoded, without the client key): every question the other answers show gets a choice or a
// short text. Used by the submit benchmark (bench/http.ts) and the faults run (tests/e2e/faults-run.ts).
import { mulberry32 } from "../../app/domain/sampling";
import { evaluateCondition } from "../../app/survey/condition";
import { buildRenderSurvey } from "../../app/survey/render";

export function answerBodies(definition: Record<string, unknown>, versionId: number, count: number, seed = 2026): string[] {
  const survey = buildRenderSurvey(definition);
  const rng = mulberry32(seed);
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const answers: Record<string, unknown> = {};
    const form = new URLSearchParams();
    for (const q of survey.elements) {
      if (q.type === "html") continue;
      if (q.visibleIf && !evaluateCondition(q.visibleIf, answers)) continue;
      if ("choices" in q && q.choices.length) {
        if (q.type === "checkbox") {
          const picked = q.choices.filter(() => rng() < 0.4);
          const values = picked.length ? picked : [q.choices[0]];
          answers[q.name] = values.map((c) => c.value);
          for (const c of values) form.append(q.name, String(c.value));
        } else {
          const c = q.choices[Math.floor(rng() * q.choices.length)];
          answers[q.name] = c.value;
          form.append(q.name, String(c.value));
        }
      } else if (q.type === "text" || q.type === "comment") {
        if (rng() < 0.5) {
          answers[q.name] = "楼道灯坏了，希望尽快修好";
          form.append(q.name, "楼道灯坏了，希望尽快修好");
        }
      } else if (q.type === "matrix") {
        for (const r of q.rows) form.append(`${q.name}::${r.value}`, String(q.columns[0]?.value));
      }
    }
    form.append("__version", String(versionId));
    form.append("__started", String(Date.now() - 120_000));
    bodies.push(form.toString());
  }
  return bodies;
}

/** A device cookie as the app sets it (unsigned; bench/http.ts checks it against the app's parser). */
export const deviceCookieFor = (id: string) => `wm_dev=${encodeURIComponent(Buffer.from(JSON.stringify(id)).toString("base64"))}`;
