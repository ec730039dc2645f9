// The browser-side handle on i18n for the office's and the volunteer's pages: the same hooks as
// ./use-t-core, with every message module in the dictionary (importing ~/i18n adds them).
import "~/i18n";

export { useDateTimeFormat, useLang, useT } from "~/i18n/use-t-core";
