// The connection of the volunteer's and the checker's pages, as the page finds it. A phone that
// says it is online often is not (a stairwell, a weak cell: navigator.onLine stays true, and a
// browser may not fire "online" when the signal comes back), so 在线/离线 is the outcome of the
// page's last request, and while anything waits on the phone, or the last request did not get
// through, the page tries again every RETRY_MS as well as on the browser's "online" event.
import { useCallback, useEffect, useRef, useState } from "react";

/** How a request ended: the server answered it, it never got there, or the server refused it (e.g. 503). */
export type Reach = "answered" | "unreachable" | "failed";

export const RETRY_MS = 5_000;

/** The service worker marks an answer it took from its cache because the network failed (public/sw.js). */
export const FROM_CACHE_HEADER = "x-wm-from-cache";

export function useQueueSync(options: {
  /** Reads the phone's queue into the page. */
  refresh: () => Promise<void>;
  /** Fetches the assignment, falling back to the phone's copy. */
  load: () => Promise<Reach>;
  /** Sends what waits on the phone ("answered" when nothing did). */
  sync: () => Promise<Reach>;
  /** How many items wait on the phone. */
  waiting: number;
}): { online: boolean; sendQueued: () => Promise<void> } {
  const { refresh, load, sync, waiting } = options;
  const [online, setOnline] = useState(true);
  const running = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  // One pass at a time; a call during a pass (a tap while sending) makes it run once more.
  const sendQueued = useCallback((): Promise<void> => {
    if (running.current) {
      again.current = true;
      return running.current;
    }
    const pass = (async () => {
      do {
        again.current = false;
        let reach = await sync();
        await refresh();
        if (reach === "answered") reach = await load();
        setOnline(reach !== "unreachable");
      } while (again.current);
    })().finally(() => {
      running.current = null;
    });
    running.current = pass;
    return pass;
  }, [refresh, load, sync]);

  useEffect(() => {
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
    if (!navigator.onLine) setOnline(false);
    const up = () => void sendQueued();
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    void refresh()
      .then(load)
      .then((reach) => {
        setOnline(reach !== "unreachable");
        if (reach === "answered") return sendQueued();
      });
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, [load, refresh, sendQueued]);

  useEffect(() => {
    if (online && waiting === 0) return;
    const timer = setInterval(() => void sendQueued(), RETRY_MS);
    return () => clearInterval(timer);
  }, [online, waiting, sendQueued]);

  return { online, sendQueued };
}

/** Fetches JSON for the pages above: the parsed body and how the request ended. */
export async function fetchJson<T>(url: string): Promise<{ reach: Reach; body: T | null }> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: "same-origin" });
  } catch {
    return { reach: "unreachable", body: null };
  }
  if (response.headers.has(FROM_CACHE_HEADER)) return { reach: "unreachable", body: null };
  if (!response.ok) return { reach: "failed", body: null };
  return { reach: "answered", body: (await response.json()) as T };
}
