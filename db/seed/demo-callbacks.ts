// Demo 12345 tickets for 青禾县 with the callback work on them: six departments, tickets over the
// last eight months (numbers fictional, 199 prefix, stored encrypted as every ticket's are), the
// evaluation's sample drawn as of today, callbacks on part of it (some failed, some unsatisfied),
// the follow-ups those opened, a few reported done and called back a second time.
import { sql } from "~/db.server";
import { mulberry32 } from "~/domain/sampling";
import { DEFAULT_SAMPLE_RULE } from "~/domain/tickets";
import { claimTicket, completeFollowUp, listFollowUps, recordCallback } from "~/models/callbacks.server";
import { drawSample } from "~/models/evaluation-sample.server";
import { protectPhone } from "~/utils/phone-crypto.server";

const DAY = 86_400_000;
const HOUR = 3_600_000;

export const DEMO_DEPARTMENTS = ["县住建局", "县城管局", "县交通运输局", "县市场监管局", "县生态环境分局", "县水务集团"];
const CATEGORIES = ["道路破损", "占道经营", "噪音扰民", "供水问题", "垃圾清运", "物业纠纷", "公交线路"];
const CONTENTS = ["小区门口路面坑洼，雨天积水", "夜间施工噪音影响休息", "早市摊贩占用人行道", "停水未提前通知", "垃圾桶满溢无人清运"];

/** Beijing wall-clock `hour` on the day `daysAgo` before `now`. */
const beijingAt = (now: Date, daysAgo: number, hour: number) => {
  const day = new Date(now.getTime() - daysAgo * DAY + 8 * HOUR);
  day.setUTCHours(0, 0, 0, 0);
  return new Date(day.getTime() - 8 * HOUR + hour * HOUR);
};

/** Inserts the tickets and the callback work; returns how many tickets. */
export async function seedDemoCallbacks(countyId: number, { now = new Date(), seed = 11, tickets = 2400 } = {}): Promise<number> {
  const rng = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rng() * items.length)];
  const departments = await sql<{ id: number; name: string }[]>`
    insert into departments (county_id, name) select ${countyId}, unnest(${DEMO_DEPARTMENTS}::text[]) returning id, name`;
  const communities = await sql<{ street: string; community: string; id: number }[]>`
    select s.name as street, c.name as community, c.id from places c join places s on s.id = c.parent_id
    where c.county_id = ${countyId} and c.level = 'community' order by c.sort_order, c.id`;
  const rows = [];
  for (let i = 0; i < tickets; i++) {
    // Each department's own mix, so the ranking has something to rank.
    const department = departments[Math.floor(Math.pow(rng(), 1.3) * departments.length)];
    const quality = 0.55 + 0.3 * (1 - departments.indexOf(department) / departments.length);
    const receivedAt = new Date(now.getTime() - (3 + rng() * 240) * DAY - rng() * 10 * HOUR);
    const dueAt = new Date(receivedAt.getTime() + (rng() < 0.5 ? 5 : 10) * DAY);
    const completed = rng() < 0.95 && receivedAt.getTime() + 16 * DAY < now.getTime();
    const completedAt = completed ? new Date(receivedAt.getTime() + (0.5 + rng() * (rng() < quality ? 8 : 14)) * DAY) : null;
    const r = rng();
    const rating =
      !completed || r < 0.15 ? null : r < 0.15 + quality * 0.85 * 0.8 ? "satisfied" : r < 0.15 + quality * 0.85 ? "basic" : "unsatisfied";
    const place = pick(communities);
    const phone = protectPhone(`199${String(10_000_000 + Math.floor(rng() * 89_999_999))}`)!;
    rows.push({
      county_id: countyId,
      ticket_no: `QH${String(receivedAt.getTime()).slice(-9)}${String(i).padStart(4, "0")}`,
      received_at: receivedAt,
      completed_at: completedAt,
      due_at: dueAt,
      department_id: department.id,
      category: pick(CATEGORIES),
      content: pick(CONTENTS),
      caller_name: `${pick(["张", "李", "王", "陈", "刘"])}先生`,
      phone_enc: phone.enc,
      phone_hash: phone.hash,
      phone_masked: phone.masked,
      street: place.street,
      community: place.community,
      place_id: place.id,
      result: completed ? "已办结，已答复来电人" : null,
      original_satisfaction: rating,
      original_satisfaction_raw: rating && { satisfied: "满意", basic: "基本满意", unsatisfied: "不满意" }[rating],
    });
  }
  for (let i = 0; i < rows.length; i += 500) await sql`insert into tickets ${sql(rows.slice(i, i + 500))}`;

  const [agent] = await sql<{ id: number }[]>`
    select id from users where county_id = ${countyId} and role = 'hotline_agent' order by id limit 1`;
  if (!agent) return rows.length;
  const actor = { id: agent.id, countyId };
  await drawSample(actor, { ...DEFAULT_SAMPLE_RULE, asOf: now, seed: 20261 });
  // Callbacks on part of the sample over the last days: failures in the morning, reaching people later.
  const sampled = await sql<{ id: number; rating: string | null }[]>`
    select t.id, t.original_satisfaction as rating from evaluation_sample_tickets s join tickets t on t.id = s.ticket_id
    where s.sample_id = (select max(id) from evaluation_samples where county_id = ${countyId}) order by t.id`;
  let called = 0;
  for (const ticket of sampled) {
    if (called++ >= 90) break;
    if (!(await claimTicket(actor, ticket.id))?.ok) continue;
    const daysAgo = 2 + Math.floor(rng() * 8);
    if (rng() < 0.3) {
      await recordCallback(
        actor,
        ticket.id,
        { outcome: pick(["no_answer", "busy", "switched_off"] as const), satisfaction: null, resolved: null, notes: null },
        {},
        beijingAt(now, daysAgo + 1, 9.5),
      );
    }
    const x = rng();
    if (x < 0.08) {
      await recordCallback(
        actor,
        ticket.id,
        { outcome: "wrong_number", satisfaction: null, resolved: null, notes: "号码为空号" },
        {},
        beijingAt(now, daysAgo, 15),
      );
      continue;
    }
    const unhappy = ticket.rating === "unsatisfied" ? x < 0.6 : x < 0.2;
    await recordCallback(
      actor,
      ticket.id,
      {
        outcome: "reached",
        satisfaction: unhappy ? "unsatisfied" : x < 0.6 ? "satisfied" : "basic",
        resolved: unhappy ? rng() < 0.3 : true,
        notes: unhappy ? "来电人反映问题仍未彻底解决" : null,
      },
      {},
      beijingAt(now, daysAgo, 15),
    );
  }
  await sql`delete from callback_claims where county_id = ${countyId}`;
  // Half of the follow-ups reported done, a second callback on some; the rest open (the older ones overdue).
  const tasks = await listFollowUps({ countyId, departmentId: null }, { status: "open", now });
  for (const [i, task] of tasks.entries()) {
    if (i % 2 === 1) continue;
    await completeFollowUp({ ...actor, departmentId: null }, task.id, "已协调承办单位现场处理，并向来电人说明");
    if (i % 4 === 0 && (await claimTicket(actor, task.ticketId))?.ok) {
      await recordCallback(
        actor,
        task.ticketId,
        { outcome: "reached", satisfaction: rng() < 0.7 ? "satisfied" : "basic", resolved: true, notes: "二次回访：问题已解决" },
        {},
        now,
      );
    }
  }
  await sql`delete from callback_claims where county_id = ${countyId}`;
  return rows.length;
}
