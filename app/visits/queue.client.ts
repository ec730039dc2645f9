// The volunteer's phone keeps every tap in IndexedDB until the server has answered for it: the
// queue survives a reload, a browser restart and hours without signal. Each log carries the
// client key made at the tap, so a resend after a lost answer stores nothing twice.

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

const DB = "wm-visits";
const VERSION = 1;

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "clientKey" });
      if (!db.objectStoreNames.contains("refused")) db.createObjectStore("refused", { keyPath: "clientKey" });
      if (!db.objectStoreNames.contains("assignments")) db.createObjectStore("assignments", { keyPath: "round" });
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

export const enqueue = (visit: QueuedVisit) => run("queue", "readwrite", (s) => void s.put(visit));
export const dequeue = (clientKey: string) => run("queue", "readwrite", (s) => void s.delete(clientKey));
export async function queued(round: string): Promise<QueuedVisit[]> {
  const all = ((await run("queue", "readonly", (s) => s.getAll())) ?? []) as QueuedVisit[];
  return all.filter((v) => v.round === round).sort((a, b) => (a.at < b.at ? -1 : 1));
}
export async function refused(round: string): Promise<RefusedVisit[]> {
  const all = ((await run("refused", "readonly", (s) => s.getAll())) ?? []) as RefusedVisit[];
  return all.filter((v) => v.round === round);
}
export const dismissRefused = (clientKey: string) => run("refused", "readwrite", (s) => void s.delete(clientKey));

export const saveAssignment = (round: string, assignment: unknown) =>
  run("assignments", "readwrite", (s) => void s.put({ round, assignment }));
export async function savedAssignment<T>(round: string): Promise<T | null> {
  const row = (await run("assignments", "readonly", (s) => s.get(round))) as { assignment: T } | undefined;
  return row?.assignment ?? null;
}

const BATCH = 200;

/**
 * Sends what is queued, oldest first, in batches the server takes. Stored and duplicate logs
 * leave the queue; refused ones move to the refused list with the server's reason (shown on the
 * screen, never dropped silently); on a network failure everything stays for the next try.
 * Returns whether the server answered.
 */
export async function sync(round: string): Promise<boolean> {
  const pending = await queued(round);
  for (let i = 0; i < pending.length; i += BATCH) {
    const batch = pending.slice(i, i + BATCH);
    let response: Response;
    try {
      response = await fetch("/api/visits", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ round, visits: batch.map(({ round: _r, ...v }) => v) }),
      });
    } catch {
      return false;
    }
    if (!response.ok) return false;
    const { results } = (await response.json()) as { results: { clientKey: string; status: string; reason?: string; message?: string }[] };
    for (const r of results) {
      const visit = batch.find((v) => v.clientKey === r.clientKey);
      if (!visit) continue;
      if (r.status === "refused")
        await run("refused", "readwrite", (s) => void s.put({ ...visit, reason: r.reason ?? "", message: r.message ?? r.reason ?? "" }));
      await dequeue(r.clientKey);
    }
  }
  return true;
}
