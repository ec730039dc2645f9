// The phone's screens for walking a stairwell, shared by the volunteer's round and the checker's
// spot check (抽查): my buildings with progress bars, a building's stairwell tabs, and its floors ×
// rooms as big buttons coloured by state.
import { useT } from "~/i18n/use-t";

export type Room = { id: number; room: string; floor: number | null };

/** Buildings as big buttons with a progress bar ("done of total"). */
/** The household of an assignment (buildings → stairwells → households) with this id, or null. */
export function householdById<H extends Room>(buildings: { stairwells: { households: H[] }[] }[], id: number | null): H | null {
  if (id === null) return null;
  for (const b of buildings) for (const s of b.stairwells) for (const h of s.households) if (h.id === id) return h;
  return null;
}

export function BuildingList({
  buildings,
  onOpen,
}: {
  buildings: { placeId: number; compound: string; name: string; done: number; total: number }[];
  onOpen: (placeId: number) => void;
}) {
  const t = useT();
  return (
    <ul className="building-list">
      {buildings.map((b) => (
        <li key={b.placeId}>
          <button type="button" className="building-button" onClick={() => onOpen(b.placeId)}>
            <span className="name">
              {b.compound} {b.name}
            </span>
            <span className="bar" aria-hidden="true">
              <span style={{ width: `${b.total ? (100 * b.done) / b.total : 0}%` }} />
            </span>
            <span className="count">{t("visits.progress", { done: b.done, total: b.total })}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** One tab per stairwell when a building has several. */
export function StairwellTabs({
  stairwells,
  current,
  onPick,
}: {
  stairwells: { name: string | null }[];
  current: number;
  onPick: (index: number) => void;
}) {
  const t = useT();
  if (stairwells.length <= 1) return null;
  return (
    <div className="stairwell-tabs" role="tablist">
      {stairwells.map((s, i) => (
        <button
          key={s.name ?? i}
          type="button"
          role="tab"
          aria-selected={i === current}
          className={i === current ? "tab on" : "tab"}
          onClick={() => onPick(i)}
        >
          {s.name ?? t("visits.noStairwell")}
        </button>
      ))}
    </div>
  );
}

/**
 * A stairwell's rooms by floor, top floor first. `stateOf` names a room's state (its CSS class
 * `status-<state>`), `labelOf` the text under the room number; `floorAction` is an optional
 * button per floor acting on some of its rooms (e.g. "nobody home on this floor").
 */
export function Floors<H extends Room>({
  households,
  stateOf,
  labelOf,
  onPick,
  floorAction,
}: {
  households: H[];
  stateOf: (h: H) => string;
  labelOf: (h: H) => string;
  onPick: (h: H) => void;
  floorAction?: { label: string; rooms: (floor: H[]) => H[]; run: (rooms: H[]) => void };
}) {
  const t = useT();
  const floors = new Map<number, H[]>();
  for (const h of households) floors.set(h.floor ?? 0, [...(floors.get(h.floor ?? 0) ?? []), h]);
  const ordered = [...floors].sort((a, b) => b[0] - a[0]);
  return (
    <div className="floors" data-testid="floors">
      {ordered.map(([floor, rooms]) => {
        const acted = floorAction?.rooms(rooms) ?? [];
        return (
          <div key={floor} className="floor">
            <div className="floor-head">
              <span>{floor > 0 ? t("visits.floor", { n: floor }) : t("visits.otherRooms")}</span>
              {floorAction && acted.length > 1 && (
                <button type="button" className="link-button" onClick={() => floorAction.run(acted)}>
                  {floorAction.label}
                </button>
              )}
            </div>
            <div className="rooms">
              {rooms.map((h) => (
                <button
                  key={h.id}
                  type="button"
                  className={`room status-${stateOf(h)}`}
                  data-testid={`room-${h.id}`}
                  onClick={() => onPick(h)}
                >
                  <b>{h.room}</b>
                  <span>{labelOf(h)}</span>
                </button>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
