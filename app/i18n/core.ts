// All user-facing text goes through this module. Simplified Chinese is the default language;
// every message module provides the same keys in both languages (checked by a unit test).
//
// The dictionary is filled by modules: this one holds the common and the resident messages, the
// ones every page and the resident's questionnaire (/s/…) need; `~/i18n` adds all the others. The
// server has them all. In the browser the resident page does without the rest (about 45 KiB gzip
// that a phone on weak signal need not load): the root, the error boundary and the resident's
// pages translate with ~/i18n/use-t-core, every other page with ~/i18n/use-t, which brings the
// whole dictionary with it (tests/unit/i18n.test.ts keeps the resident's pages off it).
import { common } from "./messages/common";
import { residentMessages } from "./messages/resident";

export const LANGS = ["zh", "en"] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = "zh";

type Dict = Record<string, string>;
export type Messages = { zh: Dict; en: Dict };

const dictionaries: Record<Lang, Dict> = { zh: {}, en: {} };

export function addMessages(...modules: Messages[]): void {
  for (const m of modules) {
    Object.assign(dictionaries.zh, m.zh);
    Object.assign(dictionaries.en, m.en);
  }
}

addMessages(common, residentMessages);

export type Params = Record<string, string | number>;

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** Translate `key`, filling `{name}` placeholders from params. Unknown keys are returned as-is. */
export function translate(lang: Lang, key: string, params?: Params): string {
  const template = dictionaries[lang][key] ?? dictionaries[DEFAULT_LANG][key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function messageKeys(lang: Lang): string[] {
  return Object.keys(dictionaries[lang]);
}

export type Translate = (key: string, params?: Params) => string;

export function translator(lang: Lang): Translate {
  return (key, params) => translate(lang, key, params);
}
