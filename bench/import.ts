// Harness section "import": a paper / 问卷星 results file of the household questionnaire, 5,000
// and 50,000 rows, through the office's three steps (upload, preview with the mapping, confirm),
// next to its ceiling in the same run: a COPY of the same rows into responses (tally triggers
// on) on a connection of its own. Run by bench/run.ts (BENCH_DATABASE_URL); prints markdown.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { migrate } from "../db/migrate";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = (process.env.BENCH_IMPORT_SIZES ?? "5000,50000").split(",").map(Number);
const adminUrl = process.env.BENCH_DATABASE_URL!;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe("drop database if exists wm_bench_import with (force)");
await admin.unsafe("create database wm_bench_import");
await admin.end();
const url = new URL(adminUrl);
url.pathname = "/wm_bench_import";
process.env.DATABASE_URL = url.toString();
process.env.SESSION_SECRET ??= "bench-session-secret-0123456789abcdef";

const { sql } = await import("../app/db.server");
const { seedDemoCounty } = await import("../db/seed/index");
const { createSurvey, publishSurvey } = await import("../app/models/surveys.server");
const { createCampaign, setCampaignState } = await import("../app/models/campaigns.server");
const { stageResponseUpload, planResponseImport, confirmResponseImport } = await import("../app/models/response-import.server");
const { tallyDifferences } = await import("../app/models/rates.server");
const { buildRenderSurvey } = await import("../app/survey/render");
const { mulberry32 } = await import("../app/domain/sampling");

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const lines: string[] = [];
try {
  await migrate(sql);
  const { countyId } = await seedDemoCounty();
  const [user] = await sql<{ id: number; countyId: number; scopePlaceId: number; scopeGridId: number | null }[]>`
    select id, county_id as "countyId", scope_place_id as "scopePlaceId", scope_grid_id as "scopeGridId"
    from users where county_id = ${countyId} and username = 'admin'`;
  const definition = JSON.parse(readFileSync(path.join(ROOT, "surveys/household-satisfaction.json"), "utf8"));
  const surveyId = await createSurvey({ id: user.id, countyId }, { title: "bench", kind: "household", draft: definition });
  const version = (await publishSurvey({ id: user.id, countyId }, surveyId))!;
  const [{ id: buildingId }] = await sql<
    { id: number }[]
  >`select id from places where county_id = ${countyId} and level = 'building' order by id limit 1`;
  await sql`analyze`;
  const campaign = async (code: string) => {
    const created = await createCampaign(
      { id: user.id, countyId },
      {
        code,
        name: code,
        surveyVersionId: version.id,
        opensAt: new Date(Date.now() - 86400_000),
        closesAt: new Date(Date.now() + 86400_000),
        duplicatePolicy: "unlimited",
        targetPlaceIds: [buildingId],
      },
    );
    if (!("id" in created)) throw new Error(created.problem);
    await setCampaignState(countyId, created.id, "open");
    return created.id;
  };

  // The file: one column per question (named as the question), answers as their texts; every
  // question the answers show is answered.
  const survey = buildRenderSurvey(definition);
  const questions = survey.elements.filter((q) => q.type !== "html");
  const { evaluateCondition } = await import("../app/survey/condition");
  const rng = mulberry32(5);
  const makeRows = (count: number) => {
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const answers: Record<string, unknown> = {};
      for (const q of questions) {
        if (q.visibleIf && !evaluateCondition(q.visibleIf, answers)) continue;
        if ("choices" in q && q.choices.length) {
          const c = q.choices[Math.floor(rng() * q.choices.length)];
          answers[q.name] = q.type === "checkbox" ? [c.value] : c.value;
        } else if (q.type === "comment" && rng() < 0.3) answers[q.name] = "希望多装几盏路灯";
      }
      rows.push(answers);
    }
    return rows;
  };
  const csvOf = (rows: Record<string, unknown>[]) => {
    const cell = (v: unknown) => (v === undefined ? "" : Array.isArray(v) ? v.join("┋") : String(v)).replace(/"/g, '""');
    return [questions.map((q) => q.name).join(","), ...rows.map((r) => questions.map((q) => `"${cell(r[q.name])}"`).join(","))].join(
      "\r\n",
    );
  };

  const results: string[][] = [];
  for (const size of SIZES) {
    log(`import: ${size} rows`);
    const rows = makeRows(size);
    const data = new TextEncoder().encode(csvOf(rows));
    const campaignId = await campaign(`imp${size}`);
    let t = performance.now();
    const staged = await stageResponseUpload(user, { campaignId, filename: `bench-${size}.csv`, data });
    if (!staged.ok) throw new Error(JSON.stringify(staged.issues.slice(0, 3)));
    const stage = performance.now() - t;
    t = performance.now();
    const suggested = (await planResponseImport(user, staged.uploadId, null))!;
    const mapping = { ...suggested.mapping, place: { mode: "fixed" as const, placeId: buildingId } };
    const preview = (await planResponseImport(user, staged.uploadId, mapping))!;
    const plan = performance.now() - t;
    if (preview.issues.length) throw new Error(JSON.stringify(preview.issues.slice(0, 3)));
    t = performance.now();
    const outcome = await confirmResponseImport(user, staged.uploadId, mapping, null);
    const confirm = performance.now() - t;
    if (!outcome?.ok || outcome.inserted !== size) throw new Error(`import stored ${JSON.stringify(outcome)}`);
    const differences = await tallyDifferences(campaignId);

    // The ceiling: the same stored rows, COPYed into another campaign on a connection of its own.
    const stored = await sql<
      { answers: Record<string, unknown> }[]
    >`select answers from responses where campaign_id = ${campaignId} order by id`;
    const target = await campaign(`copy${size}`);
    const loader = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    t = performance.now();
    const stream =
      await loader`copy responses (county_id, campaign_id, survey_version_id, place_id, channel, answers, client_key) from stdin`.writable();
    await pipeline(
      Readable.from(
        (function* () {
          let n = 0;
          for (const r of stored)
            yield `${countyId}\t${target}\t${version.id}\t${buildingId}\timport\t${JSON.stringify(r.answers).replace(/\\/g, "\\\\")}\tcopy-${size}-${n++}\n`;
        })(),
      ),
      stream,
    );
    const copy = performance.now() - t;
    await loader.end();
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    results.push([
      size.toLocaleString("en"),
      s(stage),
      s(plan),
      s(confirm),
      s(stage + plan + confirm),
      s(copy),
      `${((100 * copy) / confirm).toFixed(0)}%`,
      String(differences),
    ]);
  }
  lines.push(
    "## Response import (CSV of the household questionnaire, one building)",
    "",
    "| rows | upload (read + keep) | preview (suggested mapping, then with the place) | confirm | all three | ceiling: COPY of the same rows | ceiling ÷ confirm | tallyDifferences |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.map((r) => `| ${r.join(" | ")} |`),
    "",
  );
} finally {
  await sql.end();
}
console.log(lines.join("\n"));
