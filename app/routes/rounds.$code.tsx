// Assigning a round inside one's own area (county office, street and community staff, grid
// leaders): choose a person or a team and tick buildings, stairwells or whole grids; giving one to
// someone else withdraws it from whoever had it (the history stays), and a volunteer's phone
// refuses what they log there afterwards with the reason. Teams (走访小组) are a leader and members
// of the people one may assign; every member sees and logs what the team has, the leader sees the
// team's progress on the phone. The county office (visit:manage) ends a round here, and can open it
// again: an ended round takes no more logs (the phones say why), and the pages that choose a round
// by themselves choose among the open ones. It also moves the two deadlines (the pace follows);
// the start stays, since logs were checked against it.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Field } from "~/components/user-fields";
import { toShanghaiInput } from "~/domain/campaigns";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { createTeam, roundGrids, roundStairwells, teamsOf, withdrawGrids } from "~/models/teams.server";
import {
  assign,
  assignablePeople,
  roundBuildings,
  roundByCode,
  setRoundDeadlines,
  setRoundState,
  withdrawPlaces,
} from "~/models/visits.server";
import { beijingTimeField, IdList, invariantResponse, parseInput, TextField, wholeNumber, MAX_ID } from "~/utils/input";
import { clientInfo } from "~/utils/request.server";
import { can } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:assign");
  const round = await roundByCode(user.countyId, params.code ?? "");
  invariantResponse(round);
  const [people, buildings, stairwells, grids, teams] = await Promise.all([
    assignablePeople(user),
    roundBuildings(user, round),
    roundStairwells(user, round),
    roundGrids(user, round),
    teamsOf(user, round),
  ]);
  return {
    round: {
      code: round.code,
      name: round.name,
      state: round.state,
      startsAt: toShanghaiInput(round.startsAt),
      firstDeadline: toShanghaiInput(round.firstDeadline),
      finalDeadline: toShanghaiInput(round.finalDeadline),
    },
    manage: can(user.role, "visit:manage"),
    people,
    buildings,
    stairwells,
    grids,
    teams,
  };
}

/** "12" is a person, "team-3" a team. */
const assignee = TextField.transform((v, ctx) => {
  const team = /^team-(\d{1,10})$/.exec(v);
  const id = wholeNumber(team ? team[1] : v, 1, MAX_ID);
  if (id === null) return (ctx.addIssue({ code: "custom", message: "rounds.error.volunteer" }), z.NEVER);
  return team ? { teamId: id } : { volunteerId: id };
});

const assignForm = z
  .object({
    intent: z.enum(["assign", "withdraw"]).catch("assign"),
    volunteer: z.unknown(),
    building: IdList,
    stairwell: IdList,
    grid: IdList,
  })
  .superRefine((v, ctx) => {
    if (v.building.length + v.stairwell.length + v.grid.length === 0)
      ctx.addIssue({ code: "custom", path: ["building"], message: "rounds.error.noBuildings" });
  });

const teamForm = z.object({
  name: TextField.pipe(z.string().min(1, "teams.error.name").max(100, "teams.error.name")),
  leader: TextField.transform(
    (v, ctx) => wholeNumber(v, 1, MAX_ID) ?? (ctx.addIssue({ code: "custom", message: "teams.error.leader" }), z.NEVER),
  ),
  member: IdList,
});

/** New deadlines, in the same order as a new round's: the first after the start, the final no earlier than the first. */
function deadlinesForm(startsAt: Date) {
  return z
    .object({ firstDeadline: beijingTimeField("rounds.error.time"), finalDeadline: beijingTimeField("rounds.error.time") })
    .superRefine((v, ctx) => {
      if (v.firstDeadline && v.firstDeadline <= startsAt)
        ctx.addIssue({ code: "custom", path: ["firstDeadline"], message: "rounds.error.order" });
      if (v.firstDeadline && v.finalDeadline && v.finalDeadline < v.firstDeadline)
        ctx.addIssue({ code: "custom", path: ["finalDeadline"], message: "rounds.error.order" });
    });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "visit:assign");
  const round = await roundByCode(user.countyId, params.code ?? "");
  invariantResponse(round);
  const form = await request.formData();
  const ip = clientInfo(request, context).ip;
  if (form.get("intent") === "state") {
    await requirePermission(request, "visit:manage");
    const to = form.get("state");
    if (to !== "open" && to !== "closed") return data({ errors: {}, done: null, form: "state" }, { status: 400 });
    if (to !== round.state) {
      await setRoundState(user.countyId, round.id, to);
      await recordAudit(user, "round.state", { target: round.code, details: { from: round.state, to }, ip });
    }
    return data({ errors: {}, done: { key: `rounds.stateChanged.${to}`, n: 0 }, form: "state" });
  }
  if (form.get("intent") === "deadlines") {
    await requirePermission(request, "visit:manage");
    const parsed = parseInput(deadlinesForm(round.startsAt), form);
    if ("errors" in parsed) return data({ errors: parsed.errors, done: null, form: "deadlines" }, { status: 400 });
    const { firstDeadline, finalDeadline } = parsed.value;
    await setRoundDeadlines(user.countyId, round.id, { firstDeadline, finalDeadline });
    await recordAudit(user, "round.deadlines", {
      target: round.code,
      details: {
        from: { firstDeadline: round.firstDeadline.toISOString(), finalDeadline: round.finalDeadline.toISOString() },
        to: { firstDeadline: firstDeadline.toISOString(), finalDeadline: finalDeadline.toISOString() },
      },
      ip,
    });
    return data({ errors: {}, done: { key: "rounds.deadlinesChanged", n: 0 }, form: "deadlines" });
  }
  if (form.get("intent") === "team") {
    const parsed = parseInput(teamForm, form);
    if ("errors" in parsed) return data({ errors: parsed.errors, done: null, form: "team" }, { status: 400 });
    const { name, leader, member } = parsed.value;
    const made = await createTeam(user, round, { name, leaderId: leader, memberIds: member });
    if ("problem" in made) return data({ errors: { name: `teams.error.${made.problem}` }, done: null, form: "team" }, { status: 409 });
    await recordAudit(user, "round.team", {
      target: round.code,
      details: { team: made.id, name, leaderId: leader, memberIds: member },
      ip,
    });
    return data({ errors: {}, done: { key: "teams.created", n: member.length + 1 }, form: "team" });
  }
  const parsed = parseInput(assignForm, form);
  if ("errors" in parsed) return data({ errors: parsed.errors, done: null, form: "assign" }, { status: 400 });
  const { intent, building, stairwell, grid } = parsed.value;
  if (intent === "withdraw") {
    const n = (await withdrawPlaces(user, round, [...building, ...stairwell])) + (await withdrawGrids(user, round, grid));
    await recordAudit(user, "round.withdraw", {
      target: round.code,
      details: { buildings: building, stairwells: stairwell, grids: grid, withdrawn: n },
      ip,
    });
    return data({ errors: {}, done: { key: "rounds.withdrawn", n }, form: "assign" });
  }
  const who = assignee.safeParse(parsed.value.volunteer);
  const allowed =
    who.success &&
    (who.data.teamId !== undefined
      ? (await teamsOf(user, round)).some((t) => t.id === who.data.teamId)
      : (await assignablePeople(user)).some((p) => p.id === who.data.volunteerId));
  if (!who.success || !allowed)
    return data({ errors: { volunteer: "rounds.error.volunteer" }, done: null, form: "assign" }, { status: 400 });
  const result = await assign(user, round, { ...who.data, placeIds: [...building, ...stairwell], gridIds: grid });
  if ("problem" in result)
    return data({ errors: { building: `rounds.error.${result.problem}` }, done: null, form: "assign" }, { status: 409 });
  await recordAudit(user, "round.assign", {
    target: round.code,
    details: { ...who.data, buildings: building, stairwells: stairwell, grids: grid },
    ip,
  });
  return data({ errors: {}, done: { key: "rounds.assigned", n: result.assigned }, form: "assign" });
}

export default function RoundAssignments() {
  const { round, manage, people, buildings, stairwells, grids, teams } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const errors: Record<string, string> = result?.form === "assign" ? (result.errors ?? {}) : {};
  const teamErrors: Record<string, string> = result?.form === "team" ? (result.errors ?? {}) : {};
  const deadlineErrors: Record<string, string> = result?.form === "deadlines" ? (result.errors ?? {}) : {};
  const stairwellsOf = (buildingId: number) => stairwells.filter((s) => s.buildingId === buildingId);
  return (
    <>
      <p>
        <Link to="/rounds">{t("rounds.back")}</Link> · <Link to={`/coverage?round=${round.code}`}>{t("nav.coverage")}</Link>
      </p>
      <h1>{round.name}</h1>
      {result?.done && (
        <p className="alert ok" role="status">
          {t(result.done.key, { n: result.done.n })}
        </p>
      )}
      <section className="card" data-testid="round-state">
        <p>
          {t("rounds.col.state")}：<b>{t(`rounds.state.${round.state}`)}</b>
        </p>
        {round.state === "closed" && <p className="muted">{t("rounds.closedNote")}</p>}
        {manage && (
          <Form method="post">
            <input type="hidden" name="intent" value="state" />
            <button
              type="submit"
              name="state"
              value={round.state === "open" ? "closed" : "open"}
              className="button secondary"
              onClick={(event) => {
                if (round.state === "open" && !window.confirm(t("rounds.closeConfirm"))) event.preventDefault();
              }}
            >
              {t(round.state === "open" ? "rounds.close" : "rounds.reopen")}
            </button>
          </Form>
        )}
      </section>
      {manage && (
        <Form method="post" className="card stack-form" data-testid="round-deadlines">
          <h2>{t("rounds.deadlines")}</h2>
          <input type="hidden" name="intent" value="deadlines" />
          <p className="muted">{t("rounds.startsAt", { date: round.startsAt.replace("T", " ") })}</p>
          <Field label={t("rounds.field.first")} name="firstDeadline" error={deadlineErrors.firstDeadline}>
            <input type="datetime-local" name="firstDeadline" required defaultValue={round.firstDeadline} />
          </Field>
          <Field label={t("rounds.field.final")} name="finalDeadline" error={deadlineErrors.finalDeadline}>
            <input type="datetime-local" name="finalDeadline" required defaultValue={round.finalDeadline} />
          </Field>
          <button type="submit" className="button secondary">
            {t("rounds.saveDeadlines")}
          </button>
        </Form>
      )}
      <Form method="post" className="card stack-form" data-testid="assign">
        <label>
          {t("rounds.field.volunteer")}
          <select name="volunteer" defaultValue="" aria-invalid={!!errors.volunteer}>
            <option value="">{t("rounds.choose")}</option>
            <optgroup label={t("teams.people")}>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}（{t(`role.${p.role}`)}）
                </option>
              ))}
            </optgroup>
            {teams.length > 0 && (
              <optgroup label={t("teams.title")}>
                {teams.map((team) => (
                  <option key={team.id} value={`team-${team.id}`}>
                    {t("teams.option", { name: team.name, leader: team.leader })}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
          {errors.volunteer && <span className="field-error">{t(errors.volunteer)}</span>}
        </label>
        {errors.building && <p className="field-error">{t(errors.building)}</p>}
        <DataTable
          columns={["", t("rounds.col.building"), { num: t("rounds.col.households") }, t("rounds.col.volunteer")]}
          rows={buildings}
          row={(b) => (
            <tr key={b.id}>
              <td>
                <input type="checkbox" name="building" value={b.id} aria-label={`${b.compound} ${b.name}`} />
              </td>
              <td>
                {b.compound} {b.name}
                <span className="context">{b.community}</span>
                {stairwellsOf(b.id).length > 1 && (
                  <details className="stairwells">
                    <summary>{t("rounds.stairwells", { n: stairwellsOf(b.id).length })}</summary>
                    {stairwellsOf(b.id).map((s) => (
                      <label key={s.id} className="check-line">
                        <input type="checkbox" name="stairwell" value={s.id} /> {s.name}
                        <span className="muted"> · {s.holder ?? t("rounds.nobody")}</span>
                      </label>
                    ))}
                  </details>
                )}
              </td>
              <td className="num">{b.households}</td>
              <td>
                {b.volunteer ??
                  (b.team ? (
                    t("teams.holder", { name: b.team })
                  ) : b.stairwellsAssigned > 0 ? (
                    t("rounds.byStairwell", { n: b.stairwellsAssigned })
                  ) : (
                    <span className="muted">{t("rounds.nobody")}</span>
                  ))}
              </td>
            </tr>
          )}
          empty={<p className="muted">{t("rounds.noBuildings")}</p>}
        />
        {grids.length > 0 && (
          <DataTable
            testId="grids"
            columns={["", t("rounds.col.grid"), { num: t("rounds.col.buildings") }, t("rounds.col.volunteer")]}
            rows={grids}
            row={(g) => (
              <tr key={g.id}>
                <td>
                  <input type="checkbox" name="grid" value={g.id} aria-label={g.name} />
                </td>
                <td>{g.name}</td>
                <td className="num">{g.buildings}</td>
                <td>{g.holder ?? <span className="muted">{t("rounds.nobody")}</span>}</td>
              </tr>
            )}
          />
        )}
        <p className="actions">
          <button type="submit" name="intent" value="assign" className="button">
            {t("rounds.assign")}
          </button>
          <button type="submit" name="intent" value="withdraw" className="button secondary">
            {t("rounds.withdraw")}
          </button>
        </p>
      </Form>
      <h2>{t("teams.title")}</h2>
      <DataTable
        testId="teams"
        columns={[t("teams.col.name"), t("teams.col.leader"), t("teams.col.members")]}
        rows={teams}
        row={(team) => (
          <tr key={team.id}>
            <td>{team.name}</td>
            <td>{team.leader}</td>
            <td>{team.members.map((m) => m.name).join("、")}</td>
          </tr>
        )}
        empty={<p className="muted">{t("teams.none")}</p>}
      />
      <Form method="post" className="card stack-form" data-testid="new-team">
        <h3>{t("teams.new")}</h3>
        <label>
          {t("teams.col.name")}
          <input type="text" name="name" maxLength={100} aria-invalid={!!teamErrors.name} />
          {teamErrors.name && <span className="field-error">{t(teamErrors.name)}</span>}
        </label>
        <label>
          {t("teams.col.leader")}
          <select name="leader" defaultValue="" aria-invalid={!!teamErrors.leader}>
            <option value="">{t("rounds.choose")}</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}（{t(`role.${p.role}`)}）
              </option>
            ))}
          </select>
          {teamErrors.leader && <span className="field-error">{t(teamErrors.leader)}</span>}
        </label>
        <fieldset className="member-list">
          <legend>{t("teams.col.members")}</legend>
          {people.map((p) => (
            <label key={p.id} className="check-line">
              <input type="checkbox" name="member" value={p.id} /> {p.name}（{t(`role.${p.role}`)}）
            </label>
          ))}
        </fieldset>
        <p className="actions">
          <button type="submit" name="intent" value="team" className="button">
            {t("teams.create")}
          </button>
        </p>
      </Form>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
