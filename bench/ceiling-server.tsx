// The ceiling the app's resident endpoints are measured against, in the same run (bench/run.ts):
// what this machine does with nothing but Express, the body parser, React and PostgreSQL.
//   POST /s/:code/submit  express.urlencoded + one INSERT of the answers as jsonb (own pool of 10)
//   GET  /s/:code         renderToString of the same render model the resident page draws
// Link codes and definitions are read once at start; nothing is validated, counted or logged.
import express from "express";
import postgres from "postgres";
import { renderToString } from "react-dom/server";
import { buildRenderSurvey, type RenderSurvey } from "../app/survey/render";

const sql = postgres(process.env.DATABASE_URL!, { max: Number(process.env.DATABASE_POOL ?? 10), onnotice: () => {} });
await sql`create table if not exists bench_ceiling (id bigserial primary key, code text not null, answers jsonb not null, created_at timestamptz not null default now())`;
const links = await sql<{ code: string; definition: Record<string, unknown>; version: number }[]>`
  select l.code, v.definition, v.id as version from campaign_links l
  join campaigns c on c.id = l.campaign_id join survey_versions v on v.id = c.survey_version_id`;
const surveys = new Map<number, RenderSurvey>();
const byCode = new Map<string, { survey: RenderSurvey; version: number }>();
for (const l of links) {
  if (!surveys.has(l.version)) surveys.set(l.version, buildRenderSurvey(l.definition));
  byCode.set(l.code, { survey: surveys.get(l.version)!, version: l.version });
}

function Form({ survey, code, version }: { survey: RenderSurvey; code: string; version: number }) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>{survey.title}</title>
      </head>
      <body>
        <main className="resident">
          <h1>{survey.title}</h1>
          {survey.description && <p>{survey.description}</p>}
          <form method="post" action={`/s/${code}`}>
            <input type="hidden" name="__version" value={version} />
            <input type="hidden" name="__key" value={crypto.randomUUID()} />
            {survey.elements.map((e, i) =>
              e.type === "html" ? (
                <div key={i} dangerouslySetInnerHTML={{ __html: e.html }} />
              ) : (
                <fieldset key={i} className="question" data-name={e.name}>
                  <legend>
                    {i + 1}. {e.title}
                    {e.isRequired && <span className="required">*</span>}
                  </legend>
                  {e.description && <p>{e.description}</p>}
                  {"choices" in e &&
                    e.choices.map((c) => (
                      <label key={String(c.value)} className="option">
                        <input type={e.type === "checkbox" ? "checkbox" : "radio"} name={e.name} value={String(c.value)} />
                        <span>{c.text}</span>
                      </label>
                    ))}
                  {e.type === "matrix" &&
                    e.rows.map((r) => (
                      <div key={String(r.value)}>
                        {r.text}
                        {e.columns.map((c) => (
                          <label key={String(c.value)}>
                            <input type="radio" name={`${e.name}::${r.value}`} value={String(c.value)} />
                            {c.text}
                          </label>
                        ))}
                      </div>
                    ))}
                  {e.type === "text" && <input type={e.inputType} name={e.name} maxLength={e.maxLength ?? undefined} />}
                  {e.type === "comment" && <textarea name={e.name} maxLength={e.maxLength ?? undefined} />}
                </fieldset>
              ),
            )}
            <button type="submit">提交</button>
          </form>
        </main>
      </body>
    </html>
  );
}

const app = express();
app.disable("x-powered-by");
app.get("/healthz", (_req, res) => {
  res.send("ok");
});
app.get("/s/:code", (req, res) => {
  const link = byCode.get(req.params.code);
  if (!link) return void res.status(404).send("Not Found");
  res.type("html").send("<!DOCTYPE html>" + renderToString(<Form survey={link.survey} code={req.params.code} version={link.version} />));
});
app.post("/s/:code/submit", express.urlencoded({ extended: false, limit: "1mb" }), async (req, res) => {
  try {
    const [row] = await sql<{ id: string }[]>`
      insert into bench_ceiling (code, answers) values (${req.params.code}, ${sql.json(req.body)}) returning id::text`;
    res.json({ ok: true, responseId: row.id, replay: false });
  } catch (error) {
    res.status(500).json({ ok: false, error: String(error) });
  }
});
const server = app.listen(Number(process.env.PORT), "127.0.0.1");
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void sql.end().then(() => process.exit(0));
});
