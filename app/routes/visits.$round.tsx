// The volunteer's round on the phone: my buildings (with progress) → a building's stairwells →
// floors × rooms, one tap per outcome. Works offline after the first load: the page and the
// assignment are kept by the service worker (public/sw.js) and in IndexedDB, every tap is queued
// on the phone with its client key and sent when there is a connection (app/visits/queue.client.ts).
// From a household the volunteer fills the round's questionnaire with the resident, and after a
// "reached" tap the round's message or quiz shows (app/visits/door-forms.tsx); both queue the same way.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useCallback, useMemo, useState } from "react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { BuildingList, Floors, householdById, StairwellTabs } from "~/components/floors";
import { TeamProgressList } from "~/components/team-progress";
import { useT } from "~/i18n/use-t";
import { teamProgress } from "~/models/teams.server";
import { roundByCode } from "~/models/visits.server";
import { invariantResponse } from "~/utils/input";
import { requirePermission } from "~/utils/session.server";
import type { RoundForms } from "~/domain/visit-forms";
import { QuestionnaireScreen, queuedForm, ReachedSheet, RefusedForms } from "~/visits/door-forms";
import type { QueuedForm, QueuedVisit, RefusedForm, RefusedVisit } from "~/visits/queue.client";
import { fetchJson, useQueueSync, type Reach } from "~/visits/use-sync";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:log");
  const round = await roundByCode(user.countyId, params.round ?? "");
  invariantResponse(round);
  return {
    round: { code: round.code, name: round.name, firstDeadline: round.firstDeadline.toISOString(), message: round.message },
    // A team leader's view of their teams (as of the page's last load: offline it shows that).
    teams: await teamProgress(user, round),
  };
}

type Status = "pending" | "notHome" | "reached" | "refused" | "vacant" | "unreachable";
type Household = {
  id: number;
  room: string;
  floor: number | null;
  status: Status;
  attempts: number;
  lastOutcome: string | null;
  lastAt: string | null;
};
type Building = { placeId: number; name: string; compound: string; stairwells: { name: string | null; households: Household[] }[] };
type Assignment = { round: { code: string; name: string; state: string }; buildings: Building[]; forms?: RoundForms };
type Outcome = QueuedVisit["outcome"];

const OUTCOMES: Outcome[] = ["reached", "notHome", "refused", "vacant", "other"];
const DONE: Status[] = ["reached", "refused", "vacant", "unreachable"];
/** What a household shows after a tap not yet answered by the server. */
const AFTER_TAP: Record<Outcome, Status> = {
  reached: "reached",
  notHome: "notHome",
  refused: "refused",
  vacant: "notHome",
  other: "notHome",
};

const queue = () => import("~/visits/queue.client");

export default function VolunteerRound() {
  const { round, teams } = useLoaderData<typeof loader>();
  const t = useT();
  const [assignment, setAssignment] = useState<Assignment | null>(null);
  const [pending, setPending] = useState<QueuedVisit[]>([]);
  const [refusals, setRefusals] = useState<RefusedVisit[]>([]);
  const [buildingId, setBuildingId] = useState<number | null>(null);
  const [stairwell, setStairwell] = useState(0);
  // The household whose sheet is open, by id: the sheet reads it from the latest assignment.
  const [pickedId, setPickedId] = useState<number | null>(null);
  const [note, setNote] = useState("");
  // The last tap's logs: one household, or a whole floor's "not home" (undone together).
  const [lastTap, setLastTap] = useState<QueuedVisit[]>([]);
  const [loadFailed, setLoadFailed] = useState(false);
  // Shown at once on a tap, before the phone's store has it.
  const [justTapped, setJustTapped] = useState<Map<number, Status>>(new Map());
  const [pendingForms, setPendingForms] = useState<QueuedForm[]>([]);
  const [refusedForms, setRefusedForms] = useState<RefusedForm[]>([]);
  const [filling, setFilling] = useState<Household | null>(null);
  const [reached, setReached] = useState<{ household: Household; visitKey: string } | null>(null);

  const refreshQueue = useCallback(async () => {
    const q = await queue();
    setPending(await q.queued(round.code));
    setRefusals(await q.refused(round.code));
    setPendingForms(await q.queuedForms(round.code));
    setRefusedForms(await q.refusedForms(round.code));
  }, [round.code]);

  const load = useCallback(async (): Promise<Reach> => {
    const q = await queue();
    const { reach, body } = await fetchJson<Assignment>(`/api/visits/assignment?round=${encodeURIComponent(round.code)}`);
    if (body) {
      await q.saveAssignment(round.code, body);
      setAssignment(body);
      setJustTapped(new Map());
      return reach;
    }
    // The phone's copy, unless the page already shows one at least as fresh.
    const saved = await q.savedAssignment<Assignment>(round.code);
    if (saved) setAssignment((shown) => shown ?? saved);
    else setLoadFailed(true);
    return reach;
  }, [round.code]);

  const sync = useCallback(async () => (await queue()).sync(round.code), [round.code]);
  const { online, sendQueued } = useQueueSync({ refresh: refreshQueue, load, sync, waiting: pending.length + pendingForms.length });

  // The server's status, overlaid with the taps still on the phone (latest last).
  const statusOf = useMemo(() => {
    const overlay = new Map<number, Status>();
    for (const v of pending) if (!v.undoes) overlay.set(v.householdId, AFTER_TAP[v.outcome]);
    for (const [id, status] of justTapped) overlay.set(id, status);
    return (h: Household) => overlay.get(h.id) ?? h.status;
  }, [pending, justTapped]);

  async function tap(households: Household[], outcome: Outcome, text?: string) {
    setJustTapped((m) => new Map([...m, ...households.map((h) => [h.id, AFTER_TAP[outcome]] as const)]));
    setPickedId(null);
    const q = await queue();
    const logged: QueuedVisit[] = [];
    for (const h of households) {
      const visit: QueuedVisit = {
        clientKey: crypto.randomUUID(),
        round: round.code,
        householdId: h.id,
        outcome,
        at: new Date().toISOString(),
        ...(text ? { note: text } : {}),
      };
      await q.enqueue(visit);
      logged.push(visit);
    }
    setLastTap(logged);
    setNote("");
    const forms = assignment?.forms;
    const last = logged.at(-1);
    if (outcome === "reached" && last && households.length === 1 && (forms?.quiz || round.message))
      setReached({ household: households[0], visitKey: last.clientKey });
    await refreshQueue();
    void sendQueued();
  }

  async function undo() {
    if (lastTap.length === 0) return;
    const undone = new Set(lastTap.map((v) => v.householdId));
    setJustTapped((m) => new Map([...m].filter(([id]) => !undone.has(id))));
    const q = await queue();
    const queued = new Set((await q.queued(round.code)).map((v) => v.clientKey));
    // Not sent yet: it never leaves the phone. Sent: a correcting log takes it back.
    for (const v of lastTap) {
      if (queued.has(v.clientKey)) await q.dequeue(v.clientKey);
      else await q.enqueue({ ...v, clientKey: crypto.randomUUID(), at: new Date().toISOString(), undoes: v.clientKey });
    }
    setLastTap([]);
    await refreshQueue();
    void sendQueued();
  }

  async function saveForm(form: QueuedForm) {
    const q = await queue();
    await q.enqueueForm(form);
    await refreshQueue();
    void sendQueued();
  }

  const forms = assignment?.forms ?? null;
  const buildings = assignment?.buildings ?? [];
  const picked = householdById(buildings, pickedId);
  const building = buildings.find((b) => b.placeId === buildingId) ?? null;
  const progress = (b: Building) => {
    const all = b.stairwells.flatMap((s) => s.households);
    return { done: all.filter((h) => DONE.includes(statusOf(h))).length, total: all.length };
  };

  return (
    <div className="volunteer" data-testid="volunteer">
      <header className="volunteer-head">
        <h1>{round.name}</h1>
        <p className={online ? "sync-state" : "sync-state offline"} data-testid="sync-state">
          {online ? t("visits.online") : t("visits.offline")} · {t("visits.waiting", { n: pending.length })}
          {forms?.questionnaire || forms?.quiz ? ` · ${t("visitForms.waiting", { n: pendingForms.length })}` : ""}
        </p>
      </header>
      <RefusedForms
        refused={refusedForms}
        roomOf={(id) => roomName(buildings, id)}
        onDismiss={(key) =>
          void queue()
            .then((q) => q.dismissRefusedForm(key))
            .then(refreshQueue)
        }
      />
      {refusals.length > 0 && (
        <section className="alert error" data-testid="refused">
          <p>{t("visits.refusedTitle", { n: refusals.length })}</p>
          <ul>
            {refusals.map((r) => (
              <li key={r.clientKey}>
                {t("visits.refusedItem", {
                  room: roomName(buildings, r.householdId),
                  outcome: t(`visits.outcome.${r.outcome}`),
                  message: r.message,
                })}{" "}
                <button
                  type="button"
                  className="link-button"
                  onClick={() =>
                    void queue()
                      .then((q) => q.dismissRefused(r.clientKey))
                      .then(refreshQueue)
                  }
                >
                  {t("visits.dismiss")}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {lastTap.length > 0 && (
        <p className="undo-bar">
          <button type="button" className="button secondary big" onClick={() => void undo()} data-testid="undo">
            {t("visits.undo")}
          </button>
        </p>
      )}
      {!assignment ? (
        <p className="muted">{loadFailed ? t("visits.loadFailed") : t("visits.loading")}</p>
      ) : !building ? (
        <>
          <TeamProgressList teams={teams} />
          <h2>{t("visits.myBuildings")}</h2>
          {buildings.length === 0 && <p className="muted">{t("visits.nothingAssigned")}</p>}
          <BuildingList
            buildings={buildings.map((b) => ({ ...b, ...progress(b) }))}
            onOpen={(id) => (setBuildingId(id), setStairwell(0))}
          />
        </>
      ) : (
        <>
          <p>
            <button type="button" className="link-button" onClick={() => setBuildingId(null)}>
              {t("visits.back")}
            </button>
          </p>
          <h2>
            {building.compound} {building.name}
          </h2>
          <StairwellTabs stairwells={building.stairwells} current={stairwell} onPick={setStairwell} />
          <Floors
            households={building.stairwells[stairwell]?.households ?? []}
            stateOf={statusOf}
            labelOf={(h) => t(`visits.status.${statusOf(h)}`)}
            onPick={(h) => setPickedId(h.id)}
            floorAction={{
              label: t("visits.floorNotHome"),
              rooms: (rooms) => rooms.filter((h) => statusOf(h) === "pending" || statusOf(h) === "notHome"),
              run: (rooms) => void tap(rooms, "notHome"),
            }}
          />
        </>
      )}
      {picked && (
        <div
          className="sheet"
          role="dialog"
          aria-modal="true"
          aria-label={t("visits.sheetTitle", { room: picked.room })}
          data-testid="outcome-sheet"
        >
          <h3>{t("visits.sheetTitle", { room: picked.room })}</h3>
          {picked.lastOutcome && (
            <p className="muted">
              {t("visits.lastVisit", {
                outcome: t(`visits.outcome.${picked.lastOutcome}`),
                at: new Date(picked.lastAt!).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }),
              })}
            </p>
          )}
          <div className="outcome-buttons">
            {OUTCOMES.filter((o) => o !== "other").map((o) => (
              <button key={o} type="button" className={`button big outcome-${o}`} onClick={() => void tap([picked], o)}>
                {t(`visits.outcome.${o}`)}
              </button>
            ))}
          </div>
          <label className="note">
            {t("visits.note")}
            <input type="text" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
          </label>
          <button
            type="button"
            className="button secondary big"
            disabled={note.trim() === ""}
            onClick={() => void tap([picked], "other", note.trim())}
          >
            {t("visits.outcome.other")}
          </button>
          {forms?.questionnaire && (
            <button
              type="button"
              className="button secondary big"
              data-testid="fill-questionnaire"
              onClick={() => (setFilling(picked), setPickedId(null))}
            >
              {t("visitForms.fill")}
              {(forms.answered.includes(picked.id) ||
                pendingForms.some((f) => f.kind === "questionnaire" && f.householdId === picked.id)) &&
                `（${t("visitForms.answered")}）`}
            </button>
          )}
          <button type="button" className="link-button" onClick={() => setPickedId(null)}>
            {t("visits.cancel")}
          </button>
        </div>
      )}
      {filling && forms?.questionnaire && (
        <QuestionnaireScreen
          questionnaire={forms.questionnaire}
          room={roomName(buildings, filling.id)}
          onCancel={() => setFilling(null)}
          onSave={(filled) => {
            setFilling(null);
            void saveForm(queuedForm(round.code, "questionnaire", filling.id, forms.questionnaire!.versionId, filled));
          }}
        />
      )}
      {reached && (
        <ReachedSheet
          room={roomName(buildings, reached.household.id)}
          message={round.message}
          quiz={forms?.quiz ?? null}
          onClose={() => setReached(null)}
          onSave={(filled) => {
            setReached(null);
            void saveForm(queuedForm(round.code, "quiz", reached.household.id, forms!.quiz!.versionId, filled, reached.visitKey));
          }}
        />
      )}
    </div>
  );
}

function roomName(buildings: Building[], householdId: number): string {
  for (const b of buildings)
    for (const s of b.stairwells) {
      const h = s.households.find((x) => x.id === householdId);
      if (h) return `${b.compound}${b.name} ${s.name ? `${s.name} ` : ""}${h.room}`;
    }
  return String(householdId);
}

export const ErrorBoundary = GeneralErrorBoundary;
