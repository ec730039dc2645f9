// The browser-side handle on i18n: the language comes from the root loader.
import { useRouteLoaderData } from "@remix-run/react";
import { DEFAULT_LANG, translator, type Lang } from "~/i18n";

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
