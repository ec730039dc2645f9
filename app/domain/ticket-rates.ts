// 12345 rates (办结率, 按时办结率, 联系率, 满意率 before and after callbacks, 解决率) per unit, each
// with its n and Wilson 95% interval, and the department ranking of the bulletin. Pure: the
// counts come from app/models/ticket-rates.server.ts; the interval, ranking and colour rules are
// the engine's (stats.proportion, measures.rollUp / rank / statusFor), not a second copy.
import { rank, rollUp, statusFor, type Figure, type Status } from "~/domain/measures";
import { proportion, type Proportion } from "~/domain/stats";

export const TICKET_RATE_GROUPS = ["department", "category", "street", "community", "month"] as const;
export type TicketRateGroup = (typeof TICKET_RATE_GROUPS)[number];

export const TICKET_RATES = ["completed", "onTime", "contact", "satisfactionBefore", "satisfactionAfter", "resolved"] as const;
export type TicketRate = (typeof TICKET_RATES)[number];

/** Counts of one unit, as the model reads them (all whole numbers). */
export type TicketUnitCounts = {
  name: string;
  tickets: number;
  completed: number;
  /** Completed tickets with a due time, and those completed at or before it. */
  completedWithDue: number;
  onTime: number;
  /** Tickets called at least once, and reached at least once. */
  called: number;
  reached: number;
  /** The platform's original rating: tickets rated, and rated 满意 or 基本满意. */
  ratedBefore: number;
  satisfiedBefore: number;
  /** The rating that stands now (the latest reached callback's, else the original). */
  ratedAfter: number;
  satisfiedAfter: number;
  /** Reached tickets whose latest reached callback answered resolved yes/no, and yes. */
  resolvedAnswered: number;
  resolvedYes: number;
  followUpsOpen: number;
  followUpsOverdue: number;
};

export type RateCell = Pick<Proportion, "successes" | "n" | "rate" | "lower" | "upper">;

export type TicketRateUnit = {
  name: string;
  tickets: number;
  completed: RateCell;
  onTime: RateCell;
  contact: RateCell;
  satisfactionBefore: RateCell;
  satisfactionAfter: RateCell;
  resolved: RateCell;
  followUpsOpen: number;
  followUpsOverdue: number;
};

const cell = (successes: number, n: number): RateCell => {
  const { rate, lower, upper } = proportion(successes, n);
  return { successes, n, rate, lower, upper };
};

export function ticketRateUnit(c: TicketUnitCounts): TicketRateUnit {
  return {
    name: c.name,
    tickets: c.tickets,
    completed: cell(c.completed, c.tickets),
    onTime: cell(c.onTime, c.completedWithDue),
    contact: cell(c.reached, c.called),
    satisfactionBefore: cell(c.satisfiedBefore, c.ratedBefore),
    satisfactionAfter: cell(c.satisfiedAfter, c.ratedAfter),
    resolved: cell(c.resolvedYes, c.resolvedAnswered),
    followUpsOpen: c.followUpsOpen,
    followUpsOverdue: c.followUpsOverdue,
  };
}

/** A rate cell as the engine's figure (one stratum), so ranking and colouring are the engine's. */
export function figureOf(rate: RateCell, minN: number): Figure {
  const counts = {
    successes: rate.successes,
    trials: rate.n,
    valid: rate.n,
    excluded: 0,
    noAnswer: 0,
    questions: rate.n > 0 ? 1 : 0,
    n: rate.n,
  };
  return rollUp([{ households: 1, parts: [counts] }], 1, { minN });
}

export type RankedDepartment = { unit: TicketRateUnit; figure: Figure; rank: number | null; status: Status | null };

/**
 * The bulletin's department ranking: by satisfaction after callbacks (what the evaluation would
 * hear now), red/yellow/green against the target by the interval, nobody ranked or coloured under
 * the minimum n.
 */
export function rankDepartments(units: TicketRateUnit[], { target, minN }: { target: number; minN: number }): RankedDepartment[] {
  const figures = new Map(units.map((u) => [u, figureOf(u.satisfactionAfter, minN)]));
  return rank(units, (u) => figures.get(u)!).map(({ item, rank: position }) => {
    const figure = figures.get(item)!;
    const status = figure.belowMinimum || figure.weighted.rate === null ? null : statusFor(figure.weighted, target);
    return { unit: item, figure, rank: position, status };
  });
}

/** A unit as the CLI's and the API's JSON give it (the contract of issue 11). */
export function ticketUnitJson(u: TicketRateUnit) {
  return {
    name: u.name,
    tickets: u.tickets,
    completed: u.completed,
    onTime: u.onTime,
    contact: u.contact,
    satisfactionBefore: u.satisfactionBefore,
    satisfactionAfter: u.satisfactionAfter,
    resolved: u.resolved,
    followUpsOpen: u.followUpsOpen,
    followUpsOverdue: u.followUpsOverdue,
  };
}
