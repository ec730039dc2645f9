// Who may use which route: one entry per file in app/routes, per method it answers. The routes
// enforce it (requireUser, requirePermission, requireApiPermission, the API token); this table is
// the design they are held to. tests/integration/authorization-matrix.test.ts requests every
// route as every role, signed out and from another county against it, and fails on a route file
// without an entry; docs/authorization.md is generated from it (`npm run cli -- authz-doc`).
// Permissions say what a role may do; the scope (a street, a community, a grid) says where, and
// is enforced in each model's WHERE clause: a place, a response or a check outside it is not found.
import { can, ROLES, type Permission, type Role } from "~/utils/permissions";

export type Rule =
  /** Anyone, signed in or not (the resident pages, sign-in, health). */
  | { kind: "public" }
  /** Any signed-in account, whatever its role. */
  | { kind: "signedIn" }
  /** A signed-in account whose role has every one of these permissions. */
  | { kind: "permission"; all: readonly Permission[] }
  /** A machine client with an API token (Authorization: Bearer); a session does not count. */
  | { kind: "apiToken" }
  /** Answers 405 to everyone: the route takes the other method only. */
  | { kind: "methodNotAllowed" };

/** A stricter rule for some of a method's requests, told apart by form fields. */
export type Variant = { form: Record<string, string>; rule: Rule; note: string };

export type RouteAccess = {
  GET?: Rule;
  POST?: Rule;
  /** POST requests with these fields need more than the POST rule. */
  variants?: readonly Variant[];
};

const PUBLIC: Rule = { kind: "public" };
const SIGNED_IN: Rule = { kind: "signedIn" };
const API_TOKEN: Rule = { kind: "apiToken" };
const POST_ONLY: Rule = { kind: "methodNotAllowed" };
const may = (...all: Permission[]): Rule => ({ kind: "permission", all });

/** Keyed by the file name in app/routes without its extension. */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  $: { GET: PUBLIC },
  _index: { GET: SIGNED_IN },
  account: { GET: SIGNED_IN, POST: SIGNED_IN },
  "admin.audit": { GET: may("audit:read") },
  "admin.tokens": { GET: may("token:manage"), POST: may("token:manage") },
  "admin.users.$userId": { GET: may("user:manage"), POST: may("user:manage") },
  "admin.users._index": { GET: may("user:manage") },
  "admin.users.new": { GET: may("user:manage"), POST: may("user:manage") },
  "api.coverage": { GET: may("visit:read") },
  "api.rates": { GET: may("rates:read") },
  "api.spot-checks.assignment": { GET: may("visit:log") },
  "api.spot-checks": { GET: POST_ONLY, POST: may("visit:log") },
  "api.ticket-rates": { GET: may("ticket:read") },
  "api.tickets": { GET: POST_ONLY, POST: API_TOKEN },
  "api.visits.assignment": { GET: may("visit:log") },
  "api.visits.forms": { GET: POST_ONLY, POST: may("visit:log") },
  "api.visits": { GET: POST_ONLY, POST: may("visit:log") },
  "bulletin._index": { GET: may("rates:read") },
  "bulletin.xlsx": { GET: may("rates:read") },
  "campaigns.$campaignId": { GET: may("campaign:print"), POST: may("campaign:manage") },
  "campaigns.$campaignId_.codes.$placeId": { GET: may("campaign:print") },
  "campaigns.$campaignId_.links[.]csv": { GET: may("campaign:print") },
  "campaigns.$campaignId_.posters.$placeId": { GET: may("campaign:print") },
  "campaigns.$campaignId_.qr.$linkCode": { GET: may("campaign:print") },
  "campaigns._index": { GET: may("campaign:print") },
  "campaigns.new": { GET: may("campaign:manage"), POST: may("campaign:manage") },
  "coverage._index": { GET: may("visit:read") },
  "coverage.building.$placeId": { GET: may("visit:read") },
  "coverage.lists[.]xlsx": { GET: may("visit:read") },
  "coverage.review": {
    GET: may("visit:assign"),
    POST: may("visit:assign"),
    variants: [
      {
        form: { subject: "responses", decision: "rejected", reason: "核实为编造", response: "1" },
        rule: may("visit:assign", "response:read", "response:void"),
        note: "rejecting questionnaires voids them",
      },
    ],
  },
  "coverage.spot-checks.$id": { GET: may("visit:read") },
  "coverage.spot-checks._index": { GET: may("visit:read"), POST: may("visit:spot-check") },
  "grids.$gridId": { GET: may("place:read") },
  "grids._index": { GET: may("place:read") },
  healthz: { GET: PUBLIC },
  "hotline._index": { GET: may("callback:work") },
  "hotline.followups": { GET: may("followup:report"), POST: may("followup:report") },
  "hotline.rates": { GET: may("ticket:read") },
  "hotline.sample": { GET: may("ticket:read"), POST: may("sample:draw") },
  "hotline.tickets.$ticketId": { GET: may("callback:work"), POST: may("callback:work") },
  lang: { POST: PUBLIC },
  login: { GET: PUBLIC, POST: PUBLIC },
  logout: { GET: PUBLIC, POST: PUBLIC },
  "places.$placeId": { GET: may("place:read") },
  "places._index": { GET: may("place:read") },
  "planning._index": { GET: may("rates:read") },
  "planning.forecast": { GET: may("rates:read") },
  "planning.sample": { GET: may("rates:read") },
  "rates.$placeId": { GET: may("rates:read") },
  "rates._index": { GET: may("rates:read") },
  "rates.compare": { GET: may("rates:read") },
  "rates.trends": { GET: may("rates:read") },
  "register.import": { GET: may("register:import"), POST: may("register:import") },
  "register.template": { GET: may("register:import") },
  "responses.$responseId": { GET: may("response:read"), POST: may("response:void") },
  "responses._index": { GET: may("response:read") },
  "responses.export": { GET: may("response:export") },
  "responses.import": { GET: may("response:import"), POST: may("response:import") },
  "rounds.$code": {
    GET: may("visit:assign"),
    POST: may("visit:assign"),
    variants: [
      { form: { intent: "state", state: "open" }, rule: may("visit:assign", "visit:manage"), note: "ending or reopening the round" },
      { form: { intent: "deadlines" }, rule: may("visit:assign", "visit:manage"), note: "moving the round's deadlines" },
    ],
  },
  "rounds._index": { GET: may("visit:assign"), POST: may("visit:manage") },
  "s.$code.start": { POST: PUBLIC },
  "s.$code.submit": { GET: POST_ONLY, POST: PUBLIC },
  "s.$code": { GET: PUBLIC, POST: PUBLIC },
  "s.$code_.done": { GET: PUBLIC },
  "surveys.$surveyId.export": { GET: may("survey:manage") },
  "surveys.$surveyId": { GET: may("survey:manage"), POST: may("survey:manage") },
  "surveys._index": { GET: may("survey:manage") },
  "surveys.new": { GET: may("survey:manage"), POST: may("survey:manage") },
  "tickets._index": { GET: may("ticket:read") },
  "tickets.export": { GET: may("ticket:export"), POST: may("phone:export") },
  "tickets.import.$importId": { GET: may("ticket:import"), POST: may("ticket:import") },
  "tickets.import._index": { GET: may("ticket:import"), POST: may("ticket:import") },
  "visits.$round": { GET: may("visit:log") },
  "visits.$round_.checks.$check": { GET: may("visit:log") },
  "visits._index": { GET: may("visit:log") },
};

/** Whether a rule lets this caller in: a role, or null for a request without a session. */
export function allows(rule: Rule, role: Role | null): boolean {
  switch (rule.kind) {
    case "public":
      return true;
    case "signedIn":
      return role !== null;
    case "permission":
      return role !== null && rule.all.every((p) => can(role, p));
    case "apiToken":
    case "methodNotAllowed":
      return false;
  }
}

/** JSON endpoints answer 401/403 in JSON; every other route sends a signed-out caller to sign in. */
export function isApiRoute(file: string): boolean {
  return file.startsWith("api.");
}

/** The URL a flat-routes file name stands for: `campaigns.$campaignId_.links[.]csv` → `/campaigns/:campaignId/links.csv`. */
export function routePath(file: string): string {
  const segments = file
    .split(/\.(?![^[]*\])/)
    .filter((s) => s !== "_index")
    .map((s) =>
      s === "$"
        ? "*"
        : s
            .replace(/_$/, "")
            .replace(/^\$/, ":")
            .replace(/\[(.*?)\]/g, "$1"),
    );
  return `/${segments.join("/")}`;
}

const ROLE_LABELS: Record<Role, string> = {
  admin: "admin 县文明办",
  street_staff: "street_staff 街道",
  community_staff: "community_staff 社区",
  grid_leader: "grid_leader 网格长",
  volunteer: "volunteer 志愿者",
  hotline_agent: "hotline_agent 12345",
  department: "department 承办单位",
  viewer: "viewer 只读",
};

function ruleText(rule: Rule): string {
  switch (rule.kind) {
    case "public":
      return "anyone";
    case "signedIn":
      return "signed in";
    case "permission":
      return rule.all.map((p) => `\`${p}\``).join(" + ");
    case "apiToken":
      return "API token";
    case "methodNotAllowed":
      return "405 for all";
  }
}

function cell(rule: Rule, role: Role | null): string {
  if (rule.kind === "apiToken") return "token";
  if (rule.kind === "methodNotAllowed") return "405";
  return allows(rule, role) ? "✓" : "✗";
}

/** docs/authorization.md: the matrix of every route and method × signed-out and every role. */
export function authorizationDoc(): string {
  const head = ["route", "method", "rule", "signed out", ...ROLES.map((r) => ROLE_LABELS[r])];
  const rows: string[][] = [];
  for (const [file, access] of Object.entries(ROUTE_ACCESS).sort(([a], [b]) => routePath(a).localeCompare(routePath(b)))) {
    const path = `\`${routePath(file)}\``;
    for (const method of ["GET", "POST"] as const) {
      const rule = access[method];
      if (rule) rows.push([path, method, ruleText(rule), cell(rule, null), ...ROLES.map((r) => cell(rule, r))]);
    }
    for (const variant of access.variants ?? []) {
      const fields = Object.keys(variant.form).join(", ");
      rows.push([
        path,
        `POST (${fields}: ${variant.note})`,
        ruleText(variant.rule),
        cell(variant.rule, null),
        ...ROLES.map((r) => cell(variant.rule, r)),
      ]);
    }
  }
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    "# Authorization matrix",
    "",
    "Generated from `app/utils/route-access.ts` by `npm run cli -- authz-doc --write`; do not edit by hand",
    "(`tests/unit/authorization-doc.test.ts` fails when this file and the table differ).",
    "",
    "Every file in `app/routes` has an entry; `tests/integration/authorization-matrix.test.ts` fails on a",
    "route without one, and requests every route below as every role, signed out, and as an account of",
    "another county, with real session cookies, and checks the answer against this table.",
    "",
    "- ✓ allowed; ✗ denied: `403` for a signed-in account, and for a signed-out caller a redirect to",
    "  `/login` (pages, downloads) or a JSON `401` (`/api/…`).",
    "- token: only a machine client with an API token (`Authorization: Bearer …`, created under",
    "  `/admin/tokens`); a session gets `401`. 405: the route answers only the other method.",
    "- Allowed means allowed inside the account's scope (its county, street, community or grid; a",
    "  department account its own follow-ups): another community's place, response, spot check or",
    "  campaign is not found (`404`), and an account of another county finds nothing of this one.",
    "",
    line(head),
    line(head.map(() => "---")),
    ...rows.map(line),
    "",
  ].join("\n");
}
