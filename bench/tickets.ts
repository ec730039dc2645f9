// `npm run bench -- tickets`: a generated 1,000,000-row 12345 export (CSV, Chinese headers, a
// phone number on every row) imported through the real path (read, map, encrypt, COPY into the
// staging table, duplicates, then the merge), with rows/s and the process's peak RSS, next to
// its ceiling in the same run: a raw COPY of the same file into a text table plus one
// INSERT … ON CONFLICT into a table shaped like tickets. Run by bench/run.ts; prints markdown.
import { createWriteStream, statSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import postgres from "postgres";
import { migrate } from "../db/migrate";
import { freshBenchDatabase } from "./lib";

const ROWS = Number(process.env.BENCH_TICKETS_ROWS ?? 1_000_000);
const tmp = process.env.BENCH_TMP!;
await freshBenchDatabase("wm_bench_tickets");

const { sql } = await import("../app/db.server");
const { createCounty } = await import("../app/models/counties.server");
const { checkTicketFile, createTicketImport, storeTicketImport } = await import("../app/models/ticket-import.server");
const { recogniseColumns } = await import("../app/domain/tickets");
const { mulberry32 } = await import("../app/domain/sampling");
await migrate(sql);
const county = await createCounty("bench", "测评县");

const HEADER = [
  "工单编号",
  "受理时间",
  "办结时间",
  "办理时限",
  "承办单位",
  "诉求类型",
  "诉求内容",
  "来电号码",
  "来电人",
  "所属街道",
  "所属社区",
  "满意度",
];
const file = path.join(tmp, "tickets.csv");
{
  const rng = mulberry32(7);
  const out = createWriteStream(file);
  out.write(`${HEADER.join(",")}\n`);
  const departments = Array.from({ length: 40 }, (_, i) => `县第${i + 1}局`);
  const categories = ["物业管理", "市容环境", "交通出行", "供水供电", "噪音扰民", "教育", "医疗", "社会保障"];
  const ratings = ["满意", "基本满意", "不满意", ""];
  const pad = (n: number) => String(n).padStart(2, "0");
  for (let i = 0; i < ROWS; i++) {
    const day = 1 + Math.floor(rng() * 28);
    const month = 1 + Math.floor(rng() * 12);
    const received = `2025-${pad(month)}-${pad(day)} ${pad(Math.floor(rng() * 24))}:${pad(Math.floor(rng() * 60))}`;
    const completed = rng() < 0.9 ? `2025-${pad(month)}-${pad(Math.min(28, day + 1 + Math.floor(rng() * 5)))} 10:00` : "";
    const due = `2025-${pad(month)}-${pad(Math.min(28, day + 5))} 18:00`;
    const phone = `13${Math.floor(rng() * 1e9)
      .toString()
      .padStart(9, "0")}`;
    const line = [
      `GD2025${String(i).padStart(8, "0")}`,
      received,
      completed,
      due,
      departments[i % 40],
      categories[i % 8],
      `诉求内容第${i}条：楼道灯不亮，请尽快处理`,
      phone,
      "张先生",
      `第${(i % 9) + 1}街道`,
      `第${(i % 70) + 1}社区`,
      ratings[i % 4],
    ];
    if (!out.write(`${line.join(",")}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
}
const bytes = statSync(file).size;

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const began = performance.now();
const id = await createTicketImport({ countyId: county.id, userId: null, source: "cli", filename: "tickets.csv", fileSize: bytes });
const checked = await checkTicketFile(county.id, id, { path: file, filename: "tickets.csv", sheet: null }, recogniseColumns(HEADER));
const checkedAt = performance.now();
const stored = await storeTicketImport(county.id, id);
const importMs = performance.now() - began;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
if (stored.inserted !== ROWS || checked.rowsRejected !== 0)
  throw new Error(`imported ${stored.inserted} of ${ROWS}, ${checked.rowsRejected} rejected`);

// The ceiling: the same file COPYed raw on a connection of its own, then one upsert.
const loader = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
await loader`create unlogged table raw_tickets (ticket_no text, received text, completed text, due text, department text, category text, content text, phone text, caller text, street text, community text, rating text)`;
await loader`create table ceiling_tickets (like tickets including defaults including identity including constraints including indexes)`;
const ceilingBegan = performance.now();
const { createReadStream } = await import("node:fs");
const { pipeline } = await import("node:stream/promises");
await pipeline(createReadStream(file), await loader`copy raw_tickets from stdin with (format csv, header true)`.writable());
await loader`
  insert into ceiling_tickets (county_id, ticket_no, received_at, completed_at, due_at, category, content, caller_name, phone_masked, street, community, original_satisfaction_raw)
  select ${county.id}, ticket_no, (received || '+08')::timestamptz, (nullif(completed, '') || '+08')::timestamptz, (due || '+08')::timestamptz,
         category, content, caller, phone, street, community, nullif(rating, '')
  from raw_tickets
  on conflict (county_id, ticket_no) do update set received_at = excluded.received_at`;
const ceilingMs = performance.now() - ceilingBegan;
await loader.end();

const rate = (ms: number) => Math.round(ROWS / (ms / 1000)).toLocaleString("en-US");
console.log(`## 12345 ticket import (${ROWS.toLocaleString("en-US")} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB CSV)

| what | time | rows/s | peak RSS |
| --- | ---: | ---: | ---: |
| import: read + map + encrypt + COPY to staging + duplicates (check) | ${((checkedAt - began) / 1000).toFixed(1)} s | | |
| import: merge (departments, places, versions, upsert) | ${((importMs - (checkedAt - began)) / 1000).toFixed(1)} s | | |
| import, whole | ${(importMs / 1000).toFixed(1)} s | ${rate(importMs)} | ${(peak / 2 ** 20).toFixed(0)} MiB |
| ceiling: raw COPY + INSERT … ON CONFLICT | ${(ceilingMs / 1000).toFixed(1)} s | ${rate(ceilingMs)} | |
| **import ÷ ceiling (rate)** | | **${((100 * ceilingMs) / importMs).toFixed(0)} %** | target ≥ 50 %, RSS ≤ 300 MiB |
`);
await sql.end();
