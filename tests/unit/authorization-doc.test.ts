import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOC_PATH } from "~/commands/authz-doc";
import { allows, authorizationDoc, routePath, ROUTE_ACCESS } from "~/utils/route-access";

describe("docs/authorization.md", () => {
  it("is the table's own output (regenerate with `npm run cli -- authz-doc --write`)", () => {
    expect(readFileSync(DOC_PATH, "utf8")).toBe(authorizationDoc());
  });

  it("has a row per route and method, and marks what each role may do", () => {
    const rows = authorizationDoc()
      .split("\n")
      .filter((l) => l.startsWith("| `"));
    const methods = Object.values(ROUTE_ACCESS).reduce((n, a) => n + (a.GET ? 1 : 0) + (a.POST ? 1 : 0) + (a.variants?.length ?? 0), 0);
    expect(rows).toHaveLength(methods);
    // signed out, admin, street, community, grid leader, volunteer, hotline, viewer, department
    expect(rows.find((r) => r.startsWith("| `/responses/export` | GET"))).toContain("| ✗ | ✓ | ✓ | ✓ | ✗ | ✗ | ✗ | ✗ | ✗ |");
    expect(rows.find((r) => r.startsWith("| `/hotline/followups` | GET"))).toContain("| ✗ | ✓ | ✗ | ✗ | ✗ | ✗ | ✓ | ✗ | ✓ |");
    expect(rows.find((r) => r.startsWith("| `/api/tickets` | POST"))).toContain("| token | token |");
  });
});

describe("the route table", () => {
  it("names each flat-routes file by the URL Remix serves it at", () => {
    expect(routePath("_index")).toBe("/");
    expect(routePath("$")).toBe("/*");
    expect(routePath("places.$placeId")).toBe("/places/:placeId");
    expect(routePath("campaigns.$campaignId_.links[.]csv")).toBe("/campaigns/:campaignId/links.csv");
    expect(routePath("visits.$round_.checks.$check")).toBe("/visits/:round/checks/:check");
    expect(routePath("bulletin.xlsx")).toBe("/bulletin/xlsx");
  });

  it("denies by default: a permission rule lets in only roles with every permission, never a signed-out caller", () => {
    const rule = ROUTE_ACCESS["coverage.review"].variants![0].rule;
    expect(allows(rule, "admin")).toBe(true);
    expect(allows(rule, "community_staff")).toBe(false);
    expect(allows(rule, null)).toBe(false);
    expect(allows({ kind: "signedIn" }, null)).toBe(false);
    expect(allows({ kind: "apiToken" }, "admin")).toBe(false);
  });
});
