// All user-facing text goes through this module. Simplified Chinese is the default language;
// every message module provides the same keys in both languages (checked by a unit test).
import { common } from "./messages/common";
import { importMessages } from "./messages/import";
import { surveyMessages } from "./messages/surveys";
import { campaignMessages } from "./messages/campaigns";
import { residentMessages } from "./messages/resident";
import { responseMessages } from "./messages/responses";
import { rateMessages } from "./messages/rates";
import { visitMessages } from "./messages/visits";
import { ticketMessages } from "./messages/tickets";
import { spotCheckMessages } from "./messages/spot-checks";
import { visitFormMessages } from "./messages/visit-forms";
import { hotlineMessages } from "./messages/hotline";

export const LANGS = ["zh", "en"] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = "zh";

const modules = [
  common,
  importMessages,
  surveyMessages,
  campaignMessages,
  residentMessages,
  responseMessages,
  rateMessages,
  visitMessages,
  ticketMessages,
  spotCheckMessages,
  visitFormMessages,
  hotlineMessages,
];

type Dict = Record<string, string>;
const dictionaries: Record<Lang, Dict> = {
  zh: Object.assign({}, ...modules.map((m) => m.zh)),
  en: Object.assign({}, ...modules.map((m) => m.en)),
};

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
