// The ticket list's query string (shared by the list and its export): department, category,
// street/community (a register place), completed or not. A hand-edited URL still shows a page.
import { z } from "zod";
import { OptionalId, TextField } from "~/utils/input";

export const TicketQuery = z.object({
  department: OptionalId,
  category: TextField,
  place: OptionalId,
  completed: z.enum(["yes", "no"]).nullable().catch(null),
  page: OptionalId,
});

export function ticketFilters(q: z.infer<typeof TicketQuery>) {
  return { departmentId: q.department, category: q.category || null, placeId: q.place, completed: q.completed };
}
