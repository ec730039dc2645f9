// `npm run bench -- workbench`: the evaluation sampler on 1,000,000 completed tickets in memory (the
// target is ≤ 1 s), one draw and the swing's 1,000 draws, beside a ceiling measured in the same
// run: one plain sort of the same million ids (the least any draw over all tickets must do).
// Then the same on a database of 1,000,000 tickets (a tenth called back, some twice, follow-ups
// done): the whole draw as the sample page saves it (drawSample: the part sizes, the drawn
// positions numbered in PostgreSQL, the insert), the sample page's view (sampleView: its tickets
// and the swing's 1,000 draws from each part's rating counts), and the callback queue
// (callbackQueue, the workbench's first page, unfiltered and filtered), beside a bare
// `select count(*)` of the same completed tickets. Markdown on stdout.
import { migrate } from "../db/migrate";
import { freshBenchDatabase } from "./lib";
import { drawEvaluationSample, DEFAULT_SAMPLE_RULE, sampleSwing } from "~/domain/tickets";

const N = 1_000_000;
const asOf = new Date("2026-12-01T00:00:00+08:00");
const span = 240 * 86_400_000;
const tickets = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  completedAt: new Date(asOf.getTime() - ((i * 7919) % N) * (span / N)),
  satisfied: i % 10 === 0 ? null : i % 7 !== 0,
}));
const rule = { ...DEFAULT_SAMPLE_RULE, asOf };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(runs: number, f: () => unknown): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}
async function timeAsync(runs: number, f: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  await f(); // warm
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const ceiling = time(5, () => [...tickets].sort((a, b) => b.id - a.id));
const draw = time(5, () => drawEvaluationSample(tickets, { ...rule, seed: 7 }));
const swing = time(3, () => sampleSwing(tickets, rule, 1000, 7));
console.log(`## Workbench (12345 sampler)

${N.toLocaleString()} completed tickets in memory, median ms:

| what | ms | ÷ ceiling |
| --- | ---: | ---: |
| ceiling: sort the million by id | ${ceiling.toFixed(0)} | 1.00 |
| one draw of ${rule.size} (drawEvaluationSample) | ${draw.toFixed(0)} | ${(draw / ceiling).toFixed(2)} |
| swing: 1,000 draws (sampleSwing) | ${swing.toFixed(0)} | ${(swing / ceiling).toFixed(2)} |
`);

// ---------------------------------------------------------------------------------------------
// On a database of a million tickets.
if (process.env.BENCH_DATABASE_URL) {
  await freshBenchDatabase("wm_bench_work");
  const { sql } = await import("~/db.server");
  const { createCounty } = await import("~/models/counties.server");
  const { createUser } = await import("~/models/users.server");
  const { callbackQueue } = await import("~/models/callbacks.server");
  const { drawSample, sampleView } = await import("~/models/evaluation-sample.server");
  await migrate(sql);
  const county = await createCounty("bench", "测评县");
  const [root] = await sql<{ id: number }[]>`select id from places where county_id = ${county.id} and level = 'county'`;
  const made = await createUser(county.id, {
    username: "agent",
    displayName: "回访员",
    phone: null,
    role: "hotline_agent",
    scope: { placeId: root.id },
    departmentId: null,
    password: "bench-password-1",
  });
  if (!("id" in made)) throw new Error(made.problem);
  const agent = { id: made.id, countyId: county.id };
  const now = new Date();
  const seedStart = performance.now();
  await sql`insert into departments (county_id, name) select ${county.id}, '县第' || g || '局' from generate_series(1, 40) g`;
  // A million tickets over the last 8 months, every one with a number; ratings as platforms report
  // them; rating, category, street and department independent of each other (digits of the id in
  // a mixed radix), so that a filter finds what its share says.
  await sql`
    insert into tickets (county_id, ticket_no, received_at, completed_at, due_at, department_id, category, street,
                         phone_enc, phone_hash, phone_masked, original_satisfaction)
    select ${county.id}, 'GD' || lpad(g::text, 8, '0'), c - interval '2 days', c, c + interval '1 day' * (g % 3 - 1),
           (select min(id) from departments) + (g / 144) % 40, (array['物业管理','市容环境','交通出行','噪音扰民'])[1 + (g / 4) % 4],
           '第' || (1 + (g / 16) % 9) || '街道', '\\x01'::bytea, 'h' || g, '138****' || lpad((g % 10000)::text, 4, '0'),
           (array['satisfied','basic','unsatisfied',null])[1 + g % 4]
    from (select g, ${now}::timestamptz - interval '240 days' * ((g::bigint * 7919) % 1000000) / 1000000.0 as c
          from generate_series(1, 1000000) g) x`;
  // A tenth called back: reached (a third of those unsatisfied, with a follow-up done and a second
  // call), no answer, or a wrong number.
  await sql`
    insert into callbacks (county_id, ticket_id, round, agent_id, called_at, outcome, satisfaction, resolved)
    select ${county.id}, t.id, 1, ${agent.id}, t.completed_at + interval '1 day',
           (array['reached','no_answer','wrong_number'])[1 + t.id % 3],
           case when t.id % 3 = 0 then (array['satisfied','basic','unsatisfied'])[1 + (t.id / 3) % 3] end,
           case when t.id % 3 = 0 then (t.id / 3) % 3 <> 2 end
    from tickets t where t.county_id = ${county.id} and t.id % 10 = 1`;
  await sql`
    insert into followups (county_id, ticket_id, callback_id, due_at, status, done_at)
    select c.county_id, c.ticket_id, c.id, c.called_at + interval '3 days', 'done', c.called_at + interval '2 days'
    from callbacks c where c.county_id = ${county.id} and c.satisfaction = 'unsatisfied'`;
  // The calls' state rows, as migration 020 writes them for calls made before it.
  const { rebuildCallbackStates } = await import("~/models/callback-states.server");
  const rebuildStart = performance.now();
  await rebuildCallbackStates(sql, county.id);
  const rebuild = performance.now() - rebuildStart;
  await sql`vacuum analyze`;
  const seeding = performance.now() - seedStart;
  const rule = { ...DEFAULT_SAMPLE_RULE, asOf: now, seed: 7 };
  const from = new Date(now.getTime() - 183 * 86_400_000);
  const bare = await timeAsync(5, () => sql`select count(*) from tickets where county_id = ${county.id} and completed_at >= ${from}`);
  const drawMs = await timeAsync(3, () => drawSample(agent, rule));
  const viewMs = await timeAsync(3, () => sampleView(county.id, null));
  const queueMs = await timeAsync(5, () => callbackQueue(agent, { departmentId: null, category: null, street: null }, { now }));
  const filteredMs = await timeAsync(5, () =>
    callbackQueue(agent, { departmentId: null, category: "噪音扰民", street: "第3街道" }, { now }),
  );
  const [department] = await sql<{ id: number }[]>`select min(id) as id from departments where county_id = ${county.id}`;
  const departmentMs = await timeAsync(5, () =>
    callbackQueue(agent, { departmentId: department.id, category: null, street: null }, { now }),
  );
  const ratio = (ms: number) => (ms / bare).toFixed(1);
  console.log(`1,000,000 tickets in PostgreSQL (${(seeding / 1000).toFixed(0)} s to seed), median warm ms:

| what | ms | ÷ bare count | target |
| --- | ---: | ---: | ---: |
| bare: count the completed tickets of the last 6 months | ${bare.toFixed(0)} | 1.0 | |
| draw and save the sample (drawSample) | ${drawMs.toFixed(0)} | ${ratio(drawMs)} | ≤ 1,000 |
| the sample page's view, its 1,000-draw swing included (sampleView) | ${viewMs.toFixed(0)} | ${ratio(viewMs)} | |
| the workbench queue, first page (callbackQueue) | ${queueMs.toFixed(0)} | ${ratio(queueMs)} | ≤ 200 |
| the queue filtered by category and street | ${filteredMs.toFixed(0)} | ${ratio(filteredMs)} | ≤ 200 |
| the queue filtered by department | ${departmentMs.toFixed(0)} | ${ratio(departmentMs)} | ≤ 200 |

The calls' state rows (migration 020's backfill, rebuildCallbackStates) for the ${(100_000).toLocaleString()} tickets called: ${(rebuild / 1000).toFixed(1)} s.
`);
  await sql.end();
}
