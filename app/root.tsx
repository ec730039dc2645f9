import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useMatches,
  useRouteLoaderData,
  Form,
} from "@remix-run/react";
import stylesHref from "~/styles/app.css?url";
import { translator, type Lang } from "~/i18n/core";
import { useT } from "~/i18n/use-t-core";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { rootData } from "~/utils/root-data.server";
import { useNonce } from "~/utils/nonce";
import { can, type Role } from "~/utils/permissions";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: translator(data?.lang ?? "zh")("app.title") }];

// An empty icon: phones on weak signal should not spend a request on a missing favicon.
export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesHref },
  { rel: "icon", href: "data:," },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return rootData(request, context.cspNonce);
}

type RootData = Awaited<ReturnType<typeof loader>>;

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<RootData>("root");
  const lang: Lang = data?.lang ?? "zh";
  // On the server the nonce comes from entry.server even when the root loader did not run (an
  // error page); in the browser from the loader data, as React expects the same attribute.
  const nonce = useNonce() ?? data?.nonce;
  return (
    <html lang={lang === "zh" ? "zh-CN" : "en"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function Header({ user }: { user: RootData["user"] }) {
  const t = useT();
  const location = useLocation();
  const items: { to: string; label: string; show: (role: Role) => boolean }[] = [
    { to: "/visits", label: t("nav.visits"), show: (r) => can(r, "visit:log") },
    { to: "/places", label: t("nav.places"), show: (r) => can(r, "place:read") },
    { to: "/grids", label: t("nav.grids"), show: (r) => can(r, "place:read") },
    { to: "/surveys", label: t("nav.surveys"), show: (r) => can(r, "survey:manage") },
    { to: "/campaigns", label: t("nav.campaigns"), show: (r) => can(r, "campaign:print") },
    { to: "/responses", label: t("nav.responses"), show: (r) => can(r, "response:read") },
    { to: "/coverage", label: t("nav.coverage"), show: (r) => can(r, "visit:read") },
    { to: "/rounds", label: t("nav.rounds"), show: (r) => can(r, "visit:assign") },
    { to: "/hotline", label: t("nav.hotline"), show: (r) => can(r, "callback:work") },
    { to: "/hotline/followups", label: t("nav.followups"), show: (r) => can(r, "followup:report") && !can(r, "callback:work") },
    { to: "/rates", label: t("nav.rates"), show: (r) => can(r, "rates:read") },
    { to: "/bulletin", label: t("nav.bulletin"), show: (r) => can(r, "rates:read") },
    { to: "/planning", label: t("nav.planning"), show: (r) => can(r, "rates:read") },
    { to: "/tickets", label: t("nav.tickets"), show: (r) => can(r, "ticket:read") },
    { to: "/admin/tokens", label: t("nav.tokens"), show: (r) => can(r, "token:manage") },
    { to: "/register/import", label: t("nav.import"), show: (r) => can(r, "register:import") },
    { to: "/admin/users", label: t("nav.users"), show: (r) => can(r, "user:manage") },
    { to: "/admin/audit", label: t("nav.audit"), show: (r) => can(r, "audit:read") },
  ];
  return (
    <header className="topbar">
      <div className="topbar-row">
        <Link to="/" className="brand">
          {t("app.shortTitle")}
        </Link>
        <div className="topbar-tools">
          <Form method="post" action="/lang" className="inline">
            <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
            <button type="submit" name="lang" value={t("lang.switchTo.code")} className="link-button">
              {t("lang.switchTo")}
            </button>
          </Form>
          {user && (
            <>
              <Link to="/account" className="who">
                {user.displayName}
              </Link>
              <Form method="post" action="/logout" className="inline">
                <button type="submit" className="link-button">
                  {t("nav.signOut")}
                </button>
              </Form>
            </>
          )}
        </div>
      </div>
      {user && (
        <nav className="nav" aria-label={t("nav.label")}>
          {items
            .filter((i) => i.show(user.role))
            .map((i) => (
              <NavLink key={i.to} to={i.to} prefetch="intent">
                {i.label}
              </NavLink>
            ))}
        </nav>
      )}
    </header>
  );
}

export default function App() {
  const { user } = useLoaderData<typeof loader>();
  // Resident pages (handle.resident) stand alone: no office header, no navigation.
  const resident = useMatches().some((m) => (m.handle as { resident?: boolean } | undefined)?.resident);
  if (resident) return <Outlet />;
  return (
    <>
      <Header user={user} />
      <main className="main">
        <Outlet />
      </main>
    </>
  );
}

/** Errors the routes below do not catch (or the root loader's own): with the menu when the
 *  root loader got as far as the user. */
export function ErrorBoundary() {
  const data = useRouteLoaderData<RootData>("root");
  return (
    <>
      {data && <Header user={data.user} />}
      <main className="main">
        <GeneralErrorBoundary />
      </main>
    </>
  );
}
