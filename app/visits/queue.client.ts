// The volunteer's phone keeps every tap in IndexedDB until the server has answered for it: the
// queue survives a reload, a browser restart and hours without signal. Each log carries the
// client key made at the tap, so a resend after a lost answer stores nothing twice. A checker's
// spot-check results (抽查) wait in the same queue, marked with their check, and go to
// /api/spot-checks the same way; questionnaires filled with a resident and the round's quiz wait
// in their own store and go to /api/visits/forms after the logs.
import type { Reach } from "~/visits/use-sync";

export type QueuedVisit = {
  clientKey: string;
  round: string;
  householdId: number;
  outcome: "reached" | "notHome" | "refused" | "vacant" | "other";
  at: string;
  note?: string;
  undoes?: string;
};

export type RefusedVisit = QueuedVisit & { reason: string; message: string };

export type QueuedCheckResult = {
  clientKey: string;
  round: string;
  check: number;
  householdId: number;
  result: "confirmed" | "notConfirmed" | "couldNotCheck";
  at: string;
  note?: string;
};

export type RefusedCheckResult = QueuedCheckResult & { reason: string; message: string };

const isCheck = (item: object): item is QueuedCheckResult => "check" in item;

/** A questionnaire filled with a resident, or the round's quiz after a "reached" tap (its log's client key in visitKey). */
export type QueuedForm = {
  clientKey: string;
  round: string;
  kind: "questionnaire" | "quiz";
  householdId: number;
  versionId: number;
  answers: Record<string, unknown>;
  startedAt: string | null;
  finishedAt: string;
  visitKey?: string;
};

export type RefusedForm = QueuedForm & { reason: string; message: string };

const DB = "wm-visits";
const VERSION = 2;

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "clientKey" });
      if (!db.objectStoreNames.contains("refused")) db.createObjectStore("refused", { keyPath: "clientKey" });
      if (!db.objectStoreNames.contains("assignments")) db.createObjectStore("assignments", { keyPath: "round" });
      if (!db.objectStoreNames.contains("forms")) db.createObjectStore("forms", { keyPath: "clientKey" });
      if (!db.objectStoreNames.contains("refusedForms")) db.createObjectStore("refusedForms", { keyPath: "clientKey" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(store: string, mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const request = work(tx.objectStore(store));
    tx.oncomplete = () => {
      db.close();
      resolve(request ? request.result : undefined);
    };
    tx.onerror = () => reject(tx.error);
  });
}

export const enqueue = (item: QueuedVisit | QueuedCheckResult) => run("queue", "readwrite", (s) => void s.put(item));
export const dequeue = (clientKey: string) => run("queue", "readwrite", (s) => void s.delete(clientKey));
async function all<T extends object>(store: string): Promise<T[]> {
  return (((await run(store, "readonly", (s) => s.getAll())) ?? []) as T[]).sort((a, b) =>
    (a as { at: string }).at < (b as { at: string }).at ? -1 : 1,
  );
}
export async function queued(round: string): Promise<QueuedVisit[]> {
  return (await all<QueuedVisit | QueuedCheckResult>("queue")).filter((v): v is QueuedVisit => !isCheck(v) && v.round === round);
}
export async function refused(round: string): Promise<RefusedVisit[]> {
  return (await all<RefusedVisit | RefusedCheckResult>("refused")).filter((v): v is RefusedVisit => !isCheck(v) && v.round === round);
}
export async function queuedResults(check: number): Promise<QueuedCheckResult[]> {
  return (await all<QueuedVisit | QueuedCheckResult>("queue")).filter((v): v is QueuedCheckResult => isCheck(v) && v.check === check);
}
export async function refusedResults(check: number): Promise<RefusedCheckResult[]> {
  return (await all<RefusedVisit | RefusedCheckResult>("refused")).filter((v): v is RefusedCheckResult => isCheck(v) && v.check === check);
}
export const dismissRefused = (clientKey: string) => run("refused", "readwrite", (s) => void s.delete(clientKey));

export const saveAssignment = (round: string, assignment: unknown) =>
  run("assignments", "readwrite", (s) => void s.put({ round, assignment }));
export async function savedAssignment<T>(round: string): Promise<T | null> {
  const row = (await run("assignments", "readonly", (s) => s.get(round))) as { assignment: T } | undefined;
  return row?.assignment ?? null;
}

export const enqueueForm = (form: QueuedForm) => run("forms", "readwrite", (s) => void s.put(form));
export async function queuedForms(round: string): Promise<QueuedForm[]> {
  const all = ((await run("forms", "readonly", (s) => s.getAll())) ?? []) as QueuedForm[];
  return all.filter((f) => f.round === round).sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : 1));
}
export async function refusedForms(round: string): Promise<RefusedForm[]> {
  const all = ((await run("refusedForms", "readonly", (s) => s.getAll())) ?? []) as RefusedForm[];
  return all.filter((f) => f.round === round);
}
export const dismissRefusedForm = (clientKey: string) => run("refusedForms", "readwrite", (s) => void s.delete(clientKey));

const BATCH = 200;
/** Questionnaires carry their answers: fewer per request (the server takes at most 20). */
const FORM_BATCH = 20;

const LOGS = { url: "/api/visits", size: BATCH, store: "queue", refusedStore: "refused" };

/**
 * Sends a round's queued visit logs to /api/visits, then its questionnaires and quizzes to
 * /api/visits/forms (a quiz names its "reached" log, which must arrive first); see `send`.
 */
export async function sync(round: string): Promise<Reach> {
  const logs = await send(await queued(round), LOGS, (batch) => ({ round, visits: batch.map(({ round: _r, ...v }) => v) }));
  if (logs !== "answered") return logs;
  return send(
    await queuedForms(round),
    { url: "/api/visits/forms", size: FORM_BATCH, store: "forms", refusedStore: "refusedForms" },
    (batch) => ({ round, forms: batch.map(({ round: _r, ...f }) => f) }),
  );
}

/** Sends a spot check's queued results to /api/spot-checks (see `send`). */
export async function syncResults(check: number): Promise<Reach> {
  return send(await queuedResults(check), { ...LOGS, url: "/api/spot-checks" }, (batch) => ({
    check,
    results: batch.map(({ round: _r, check: _c, ...v }) => v),
  }));
}

/**
 * Sends what is queued, oldest first, in batches the server takes. Stored and duplicate items
 * leave the queue; refused ones move to the refused list with the server's reason (shown on the
 * screen, never dropped silently); on a network failure everything stays for the next try.
 * "answered" when every batch was answered (or nothing waited).
 */
async function send<T extends { clientKey: string }>(
  pending: T[],
  to: { url: string; size: number; store: string; refusedStore: string },
  bodyOf: (batch: T[]) => unknown,
): Promise<Reach> {
  for (let i = 0; i < pending.length; i += to.size) {
    const batch = pending.slice(i, i + to.size);
    let response: Response;
    try {
      response = await fetch(to.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(bodyOf(batch)),
      });
    } catch {
      return "unreachable";
    }
    if (!response.ok) return "failed";
    const { results } = (await response.json()) as { results: { clientKey: string; status: string; reason?: string; message?: string }[] };
    for (const r of results) {
      const item = batch.find((v) => v.clientKey === r.clientKey);
      if (!item) continue;
      if (r.status === "refused")
        await run(
          to.refusedStore,
          "readwrite",
          (s) => void s.put({ ...item, reason: r.reason ?? "", message: r.message ?? r.reason ?? "" }),
        );
      await run(to.store, "readwrite", (s) => void s.delete(r.clientKey));
    }
  }
  return "answered";
}
