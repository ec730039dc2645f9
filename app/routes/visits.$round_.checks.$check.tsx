// The checker's spot check (抽查) on the phone, on the volunteer's screens: the drawn households by
// building → stairwell → floors × rooms; one tap per result (confirmed, not confirmed, could not
// check). Works offline like the round: the page and the check are kept by the service worker and
// in IndexedDB, every tap waits in the phone's queue with its client key (app/visits/queue.client.ts).
// A tap again on a household corrects it: the latest result counts.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useCallback, useMemo, useState } from "react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { BuildingList, Floors, householdById, StairwellTabs } from "~/components/floors";
import { CHECK_RESULTS, type CheckResult } from "~/domain/spot-checks";
import { useT } from "~/i18n/use-t";
import { checkForChecker } from "~/models/spot-checks.server";
import { idParam, invariantResponse } from "~/utils/input";
import { requirePermission } from "~/utils/session.server";
import type { QueuedCheckResult, RefusedCheckResult } from "~/visits/queue.client";
import { fetchJson, useQueueSync, type Reach } from "~/visits/use-sync";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:log");
  const check = await checkForChecker(user, idParam(params.check));
  invariantResponse(check && check.round.code === params.round);
  return { check: { id: check.id, area: check.area, round: check.round.code, roundName: check.round.name } };
}

type Household = {
  id: number;
  room: string;
  floor: number | null;
  visitedAt: string;
  result: CheckResult | null;
  checkedAt: string | null;
};
type Building = { placeId: number; name: string; compound: string; stairwells: { name: string | null; households: Household[] }[] };
type Assignment = { spotCheck: { id: number; area: string }; buildings: Building[] };

const queue = () => import("~/visits/queue.client");

export default function SpotCheckOnPhone() {
  const { check } = useLoaderData<typeof loader>();
  const t = useT();
  const [assignment, setAssignment] = useState<Assignment | null>(null);
  const [pending, setPending] = useState<QueuedCheckResult[]>([]);
  const [refusals, setRefusals] = useState<RefusedCheckResult[]>([]);
  const [buildingId, setBuildingId] = useState<number | null>(null);
  const [stairwell, setStairwell] = useState(0);
  // The household whose sheet is open, by id: the sheet reads it from the latest assignment.
  const [pickedId, setPickedId] = useState<number | null>(null);
  const [note, setNote] = useState("");
  const [loadFailed, setLoadFailed] = useState(false);
  const [justTapped, setJustTapped] = useState<Map<number, CheckResult>>(new Map());
  const key = `check:${check.id}`;

  const refreshQueue = useCallback(async () => {
    const q = await queue();
    setPending(await q.queuedResults(check.id));
    setRefusals(await q.refusedResults(check.id));
  }, [check.id]);

  const load = useCallback(async (): Promise<Reach> => {
    const q = await queue();
    const { reach, body } = await fetchJson<Assignment>(`/api/spot-checks/assignment?check=${check.id}`);
    if (body) {
      await q.saveAssignment(key, body);
      setAssignment(body);
      setJustTapped(new Map());
      return reach;
    }
    // The phone's copy, unless the page already shows one at least as fresh.
    const saved = await q.savedAssignment<Assignment>(key);
    if (saved) setAssignment((shown) => shown ?? saved);
    else setLoadFailed(true);
    return reach;
  }, [check.id, key]);

  const sync = useCallback(async () => (await queue()).syncResults(check.id), [check.id]);
  const { online, sendQueued } = useQueueSync({ refresh: refreshQueue, load, sync, waiting: pending.length });

  // The server's latest result, overlaid with the taps still on the phone (latest last).
  const resultOf = useMemo(() => {
    const overlay = new Map<number, CheckResult>();
    for (const r of pending) overlay.set(r.householdId, r.result);
    for (const [id, result] of justTapped) overlay.set(id, result);
    return (h: Household) => overlay.get(h.id) ?? h.result;
  }, [pending, justTapped]);

  async function record(h: Household, result: CheckResult) {
    // Shown at once, and kept until the server's assignment has it (the queue drops it on sending, before that).
    setJustTapped((m) => new Map([...m, [h.id, result]]));
    setPickedId(null);
    const q = await queue();
    await q.enqueue({
      clientKey: crypto.randomUUID(),
      round: check.round,
      check: check.id,
      householdId: h.id,
      result,
      at: new Date().toISOString(),
      ...(note.trim() ? { note: note.trim() } : {}),
    });
    setNote("");
    await refreshQueue();
    void sendQueued();
  }

  const buildings = assignment?.buildings ?? [];
  const picked = householdById(buildings, pickedId);
  const building = buildings.find((b) => b.placeId === buildingId) ?? null;
  const progress = (b: Building) => {
    const all = b.stairwells.flatMap((s) => s.households);
    return { done: all.filter((h) => resultOf(h) !== null).length, total: all.length };
  };
  const when = (iso: string) => new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" });

  return (
    <div className="volunteer" data-testid="checker">
      <header className="volunteer-head">
        <h1>{t("spotChecks.phoneTitle", { area: check.area })}</h1>
        <p className="muted">{check.roundName}</p>
        <p className={online ? "sync-state" : "sync-state offline"} data-testid="sync-state">
          {online ? t("visits.online") : t("visits.offline")} · {t("visits.waiting", { n: pending.length })}
        </p>
      </header>
      {refusals.length > 0 && (
        <section className="alert error" data-testid="refused">
          <p>{t("visits.refusedTitle", { n: refusals.length })}</p>
          <ul>
            {refusals.map((r) => (
              <li key={r.clientKey}>
                {t(`spotChecks.result.${r.result}`)}：{r.message}{" "}
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
      {!assignment ? (
        <p className="muted">{loadFailed ? t("visits.loadFailed") : t("visits.loading")}</p>
      ) : !building ? (
        <>
          <p className="muted">{t("spotChecks.phoneIntro")}</p>
          <BuildingList
            buildings={buildings.map((b) => ({ ...b, ...progress(b) }))}
            onOpen={(id) => (setBuildingId(id), setStairwell(0))}
          />
        </>
      ) : (
        <>
          <p>
            <button type="button" className="link-button" onClick={() => setBuildingId(null)}>
              {t("spotChecks.back")}
            </button>
          </p>
          <h2>
            {building.compound} {building.name}
          </h2>
          <StairwellTabs stairwells={building.stairwells} current={stairwell} onPick={setStairwell} />
          <Floors
            households={building.stairwells[stairwell]?.households ?? []}
            stateOf={(h) => resultOf(h) ?? "unchecked"}
            labelOf={(h) => t(`spotChecks.state.${resultOf(h) ?? "unchecked"}`)}
            onPick={(h) => setPickedId(h.id)}
          />
        </>
      )}
      {picked && (
        <div
          className="sheet"
          role="dialog"
          aria-modal="true"
          aria-label={t("spotChecks.sheetTitle", { room: picked.room })}
          data-testid="result-sheet"
        >
          <h3>{t("spotChecks.sheetTitle", { room: picked.room })}</h3>
          <p className="muted">{t("spotChecks.visitedAt", { at: when(picked.visitedAt) })}</p>
          {resultOf(picked) && <p className="muted">{t("spotChecks.current", { result: t(`spotChecks.result.${resultOf(picked)}`) })}</p>}
          <div className="outcome-buttons">
            {CHECK_RESULTS.map((r) => (
              <button key={r} type="button" className={`button big result-${r}`} onClick={() => void record(picked, r)}>
                {t(`spotChecks.result.${r}`)}
              </button>
            ))}
          </div>
          <label className="note">
            {t("spotChecks.note")}
            <input type="text" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
          </label>
          <button type="button" className="link-button" onClick={() => setPickedId(null)}>
            {t("visits.cancel")}
          </button>
        </div>
      )}
    </div>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
