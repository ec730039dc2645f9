// Interface text for the responses pages. zh is the default; en must have the same keys.
const zh = {} as const;

const en: Record<keyof typeof zh, string> = {};

export const responseMessages = { zh, en };
