// The filters of the responses list and its export, read from the query string. Anything
// malformed is dropped, so a hand-edited URL still shows a list.
import { z } from "zod";
import { OptionalId } from "~/utils/input";

export const RESPONSE_STATUSES = ["valid", "complete", "partial", "voided", "all"] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];

/** A Beijing calendar day typed as YYYY-MM-DD that exists (no 2026-02-30); else null. */
const Day = z.unknown().transform((value) => {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? null : value;
});

const filters = z.object({
  campaign: OptionalId,
  /** Any place inside the user's scope: its responses and those of every place below it. */
  place: OptionalId,
  from: Day,
  to: Day,
  status: z.enum(RESPONSE_STATUSES).catch("valid"),
});

export type ResponseFilters = {
  campaignId: number | null;
  placeId: number | null;
  /** Beijing calendar days, YYYY-MM-DD, both included. */
  from: string | null;
  to: string | null;
  status: ResponseStatus;
};

export function parseResponseFilters(search: URLSearchParams): ResponseFilters {
  const { campaign, place, from, to, status } = filters.parse(Object.fromEntries(search));
  return { campaignId: campaign, placeId: place, from, to, status };
}
