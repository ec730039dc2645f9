// The browser-side handle on i18n over the common and resident messages only (see ./core.ts): for
// the root, the error boundary and the resident's pages. Every other page uses ./use-t.
// The language comes from the root loader.
import { useRouteLoaderData } from "@remix-run/react";
import { DEFAULT_LANG, translator, type Lang } from "~/i18n/core";

export function useLang(): Lang {
  const data = useRouteLoaderData<{ lang: Lang }>("root");
  return data?.lang ?? DEFAULT_LANG;
}

export function useT() {
  return translator(useLang());
}

/** Dates and times as the office reads them: in the page's language, on Beijing time. */
export function useDateTimeFormat(dateStyle: "long" | "medium" | "short", timeStyle: "medium" | "short") {
  const lang = useLang();
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", { dateStyle, timeStyle, timeZone: "Asia/Shanghai" });
}
