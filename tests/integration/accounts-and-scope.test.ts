import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { childrenOf, getPlace, getGrid, householdsOf, listGrids, scopeRoots } from "~/models/places.server";
import { createUser, resetPassword, setDisabled, signIn, userForSession, changeOwnPassword, updateUser } from "~/models/users.server";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { generateDemoRegister } from "../../db/seed/demo-county";
import { CLIENT, signedIn } from "./helpers";
import { action as loginAction } from "~/routes/login";

let countyId: number;

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
});

describe("sign-in", () => {
  it("accepts username or phone number, and rejects wrong or unknown credentials alike", async () => {
    expect((await signIn("admin", DEMO_PASSWORD, CLIENT)).ok).toBe(true);
    expect((await signIn("ADMIN", DEMO_PASSWORD, CLIENT)).ok).toBe(true);
    expect((await signIn("19900010001", DEMO_PASSWORD, CLIENT)).ok).toBe(true);
    expect(await signIn("admin", "wrong-password1", CLIENT)).toEqual({ ok: false, reason: "invalid" });
    expect(await signIn("nobody", DEMO_PASSWORD, CLIENT)).toEqual({ ok: false, reason: "invalid" });
  });

  it("locks an account name after 5 failures in 15 minutes, even with the right password", async () => {
    for (let i = 0; i < 5; i++) expect((await signIn("viewer", "nope1234", CLIENT)).ok).toBe(false);
    expect(await signIn("viewer", DEMO_PASSWORD, CLIENT)).toEqual({ ok: false, reason: "rateLimited", countyId });
    await sql`update login_failures set created_at = now() - interval '16 minutes' where identifier = 'viewer'`;
    expect((await signIn("viewer", DEMO_PASSWORD, CLIENT)).ok).toBe(true);
  });

  it("counts an account's failures together whether named by username or phone; another account is unaffected", async () => {
    for (const username of ["throttled", "bystander"])
      await createUser(countyId, {
        username,
        displayName: username,
        phone: username === "throttled" ? "13800000077" : null,
        role: "viewer",
        scope: { placeId: (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`)[0].id },
        password: "right-pass1",
      });
    // From five addresses, so the address limit plays no part.
    for (let i = 0; i < 3; i++)
      expect(await signIn("Throttled", "wrong-pass", { ...CLIENT, ip: `10.0.0.${i}` })).toEqual({ ok: false, reason: "invalid" });
    for (let i = 3; i < 5; i++)
      expect(await signIn("13800000077", "wrong-pass", { ...CLIENT, ip: `10.0.0.${i}` })).toEqual({ ok: false, reason: "invalid" });
    expect(await signIn("throttled", "right-pass1", CLIENT)).toEqual({ ok: false, reason: "rateLimited", countyId });
    expect(await signIn("13800000077", "right-pass1", { ...CLIENT, ip: "10.0.1.1" })).toEqual({
      ok: false,
      reason: "rateLimited",
      countyId,
    });
    expect((await signIn("bystander", "right-pass1", CLIENT)).ok).toBe(true);
  });

  it("lets no more than 5 of a burst of concurrent guesses reach the password check", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn("burst-target", "wrong-pass", { ...CLIENT, ip: `10.0.2.${i}` })),
    );
    const reasons = results.map((r) => (r.ok ? "ok" : r.reason));
    // Each attempt is judged with every attempt recorded before it: at most 5 see a count within the limit.
    expect(reasons.filter((r) => r === "invalid").length).toBeLessThanOrEqual(5);
    expect(reasons.filter((r) => r === "rateLimited").length).toBeGreaterThanOrEqual(15);
    expect(reasons.filter((r) => r !== "invalid" && r !== "rateLimited")).toEqual([]);
  });

  it("locks an address after 30 failures in 15 minutes, whichever names it tried; other addresses are unaffected", async () => {
    const ip = "10.0.3.1";
    for (let i = 0; i < 30; i++) expect((await signIn(`guess-${i}`, "wrong-pass", { ...CLIENT, ip })).ok).toBe(false);
    expect(await signIn("admin", DEMO_PASSWORD, { ...CLIENT, ip })).toEqual({ ok: false, reason: "rateLimited", countyId });
    expect((await signIn("admin", DEMO_PASSWORD, { ...CLIENT, ip: "10.0.3.2" })).ok).toBe(true);
  });

  it("refuses a disabled account and ends its sessions", async () => {
    const session = await signIn("volunteer", DEMO_PASSWORD, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    await setDisabled(countyId, session.user.id, true);
    expect(await userForSession(session.token)).toBeNull();
    expect(await signIn("volunteer", DEMO_PASSWORD, CLIENT)).toEqual({ ok: false, reason: "disabled", countyId });
    await setDisabled(countyId, session.user.id, false);
    expect((await signIn("volunteer", DEMO_PASSWORD, CLIENT)).ok).toBe(true);
  });

  it("audits a refused sign-in in the account's county, and one on a name without an account apart", async () => {
    const ip = "10.0.4.1";
    const post = (identifier: string) =>
      loginAction({
        request: new Request("http://localhost/login", {
          method: "POST",
          body: new URLSearchParams({ identifier, password: "wrong-pass1" }),
        }),
        params: {},
        context: { cspNonce: "", clientIp: ip },
      });
    for (let i = 0; i < 31; i++) await post(i % 2 ? "admin" : "no-such-name");
    const statuses = [
      (await post("admin")) as { init: ResponseInit | null },
      (await post("no-such-name")) as { init: ResponseInit | null },
    ];
    expect(statuses.map((s) => s.init?.status)).toEqual([429, 429]);
    const scoped = await sql<{ countyId: number; target: string }[]>`
      select county_id as "countyId", target from audit_log where action = 'signin.rateLimited' and ip = ${ip}`;
    const unscoped = await sql<
      { target: string }[]
    >`select target from audit_log_unscoped where action = 'signin.rateLimited' and ip = ${ip}`;
    expect(scoped.length).toBeGreaterThan(0);
    expect(new Set(scoped.map((r) => `${r.countyId} ${r.target}`))).toEqual(new Set([`${countyId} admin`]));
    expect(unscoped.length).toBeGreaterThan(0);
    expect(new Set(unscoped.map((r) => r.target))).toEqual(new Set(["no-such-name"]));
    await sql`delete from login_failures where ip = ${ip}`;
  });

  it("reports an expired session as expired, and a revoked one as gone", async () => {
    const session = await signIn("street", DEMO_PASSWORD, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    expect(await userForSession(session.token)).toMatchObject({ user: { username: "street", role: "street_staff" } });
    await sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${session.user.id}`;
    expect(await userForSession(session.token)).toEqual({ expired: true });
    expect(await userForSession("not-a-token")).toBeNull();
  });

  it("password change keeps the current session and ends the others; admin reset ends all", async () => {
    const me = await signedIn("hotline", DEMO_PASSWORD);
    const other = await signIn("hotline", DEMO_PASSWORD, CLIENT);
    if (!other.ok) throw new Error("sign-in failed");
    expect(await changeOwnPassword(me, "wrong", "newpass123")).toBe(false);
    expect(await changeOwnPassword(me, DEMO_PASSWORD, "newpass123")).toBe(true);
    expect(await userForSession(other.token)).toBeNull();
    expect((await signIn("hotline", DEMO_PASSWORD, CLIENT)).ok).toBe(false);
    const fresh = await signIn("hotline", "newpass123", CLIENT);
    if (!fresh.ok) throw new Error("sign-in failed");
    await resetPassword(countyId, me.id, DEMO_PASSWORD);
    expect(await userForSession(fresh.token)).toBeNull();
  });

  it("stores only a scrypt hash of the password", async () => {
    const [row] = await sql`select password_hash from users where username = 'admin'`;
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.password_hash).not.toContain(DEMO_PASSWORD);
  });
});

describe("scope", () => {
  it("shows the admin the whole county with household counts that add up at every level", async () => {
    const admin = await signedIn("admin", DEMO_PASSWORD);
    const register = generateDemoRegister();
    const county = await getPlace(admin, admin.scopePlaceId);
    expect(county?.households).toBe(register.length);
    expect(county?.below).toMatchObject({ street: 2, community: 7 });
    const streets = await childrenOf(admin, admin.scopePlaceId);
    expect(streets).toHaveLength(2);
    expect(streets.reduce((a, s) => a + s.households, 0)).toBe(register.length);
    for (const street of streets) {
      const expected = register.filter((r) => r.street === street.name).length;
      expect(street.households).toBe(expected);
      const communities = await childrenOf(admin, street.id);
      expect(communities.reduce((a, c) => a + c.households, 0)).toBe(expected);
    }
    expect(county?.vacant).toBe(register.filter((r) => r.vacant).length);
  });

  it("lets community staff see their community only: another one is not found", async () => {
    const staff = await signedIn("community", DEMO_PASSWORD);
    const own = await getPlace(staff, staff.scopePlaceId);
    expect(own?.level).toBe("community");
    const compounds = await childrenOf(staff, staff.scopePlaceId);
    expect(compounds.length).toBeGreaterThan(0);
    expect(await getPlace(staff, compounds[0].id)).not.toBeNull();

    const [otherCommunity] = await sql<{ id: number }[]>`
      select id from places where county_id = ${countyId} and level = 'community' and id <> ${staff.scopePlaceId} limit 1`;
    expect(await getPlace(staff, otherCommunity.id)).toBeNull();
    const [otherBuilding] = await sql<{ id: number }[]>`
      select id from places where level = 'building' and not (path @> array[${staff.scopePlaceId}]::int[]) limit 1`;
    expect(await getPlace(staff, otherBuilding.id)).toBeNull();
    expect(await householdsOf(staff, otherBuilding.id)).toEqual([]);
    expect(await childrenOf(staff, otherCommunity.id)).toEqual([]);
    // The county above is visible as a name in the breadcrumbs but is not a place they can open.
    expect(own?.crumbs[0]).toMatchObject({ level: "county", visible: false });
    expect(await getPlace(staff, own!.crumbs[0].id)).toBeNull();
  });

  it("gives a grid leader the buildings of the grid and nothing else", async () => {
    const leader = await signedIn("grid", DEMO_PASSWORD);
    const roots = await scopeRoots(leader);
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from grid_buildings where grid_id = ${leader.scopeGridId}`;
    expect(roots).toHaveLength(n);
    expect(roots.every((r) => r.level === "building")).toBe(true);
    expect(await getPlace(leader, roots[0].id)).not.toBeNull();
    expect(await getPlace(leader, leader.scopePlaceId)).toBeNull();
    expect((await listGrids(leader)).map((g) => g.id)).toEqual([leader.scopeGridId]);
    const [otherGrid] = await sql<{ id: number }[]>`select id from grids where id <> ${leader.scopeGridId} limit 1`;
    expect(await getGrid(leader, otherGrid.id)).toBeNull();
  });

  it("applies a narrowed scope at once by ending the account's sessions", async () => {
    const session = await signIn("volunteer", DEMO_PASSWORD, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    const [compound] = await sql<{ id: number }[]>`select id from places where level = 'compound' and county_id = ${countyId} limit 1`;
    await updateUser(countyId, session.user.id, { displayName: "志愿者", phone: null, role: "volunteer", scope: { placeId: compound.id } });
    expect(await userForSession(session.token)).toBeNull();
    const narrowed = await signedIn("volunteer", DEMO_PASSWORD);
    expect(narrowed.scopePlaceId).toBe(compound.id);
  });

  it("refuses a scope from another county", async () => {
    const other = await sql<{ id: number }[]>`insert into counties (code, name) values ('other', '他县') returning id`;
    const [root] = await sql<
      { id: number }[]
    >`insert into places (county_id, level, name) values (${other[0].id}, 'county', '他县') returning id`;
    expect(
      await createUser(countyId, {
        username: "intruder",
        displayName: "x",
        phone: null,
        role: "admin",
        scope: { placeId: root.id },
        password: "secret123",
      }),
    ).toEqual({ problem: "scopeNotFound" });
  });
});
