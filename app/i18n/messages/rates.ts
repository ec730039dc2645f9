// Interface text for the rates pages. zh is the default; en must have the same keys.
const zh = {} as const;

const en: Record<keyof typeof zh, string> = {};

export const rateMessages = { zh, en };
