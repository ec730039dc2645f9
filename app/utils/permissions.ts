// Roles and what they may do. Shared by server and browser: the server enforces, the UI only
// hides what a role cannot use.
export const ROLES = [
  "admin",
  "street_staff",
  "community_staff",
  "grid_leader",
  "volunteer",
  "hotline_agent",
  "viewer",
  "department",
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "place:read",
  "register:import",
  "user:manage",
  "audit:read",
  "survey:manage", // build and publish questionnaires
  "campaign:manage", // create campaigns, open, pause, close them
  "campaign:print", // see the campaigns over the scope; posters, household slips, QR codes, link lists inside it
  "response:read", // responses inside the scope
  "response:export",
  "response:import",
  "response:void",
  "rates:read", // rates, rankings, bulletin, planning
  "visit:manage", // create and close door-to-door rounds
  "visit:log", // log door-to-door visits of the households assigned to oneself
  "visit:assign", // door-to-door rounds and assignments inside the scope
  "visit:read", // door-to-door coverage inside the scope
  "ticket:read", // 12345 tickets of the county, numbers masked
  "ticket:import", // import ticket files, save column mappings
  "ticket:export", // export the ticket list, numbers masked
  "phone:export", // export callers' full numbers, with a stated reason (audited)
  "token:manage", // create and revoke the API tokens machine clients push tickets with
  "visit:spot-check", // draw spot checks (抽查) of logged visits inside the scope and give them to a checker
  "sample:draw", // draw and save the evaluation's sample of 12345 tickets
  "callback:work", // the callback workbench: claim tickets, reveal the held ticket's number, record calls
  "followup:report", // follow-up tasks: a department account its own, the hotline office every department's
  "followup:all", // follow-up tasks of every department (the hotline office), not only one's own
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Street and community staff do the same work, each inside their own scope. */
const AREA_STAFF: readonly Permission[] = [
  "place:read",
  "register:import",
  "campaign:print",
  "response:read",
  "response:export",
  "response:import",
  "rates:read",
  "visit:log",
  "visit:assign",
  "visit:read",
  "visit:spot-check",
];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  street_staff: AREA_STAFF,
  community_staff: AREA_STAFF,
  grid_leader: ["place:read", "response:read", "rates:read", "visit:log", "visit:assign", "visit:read"],
  volunteer: ["place:read", "visit:log"],
  hotline_agent: [
    "place:read",
    "ticket:read",
    "ticket:import",
    "ticket:export",
    "sample:draw",
    "callback:work",
    "followup:report",
    "followup:all",
  ],
  viewer: ["place:read", "response:read", "rates:read", "visit:read"],
  // 承办单位: only the follow-up tasks of its own department (users.department_id).
  department: ["followup:report"],
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}
