// The questionnaire templates shipped in surveys/*.json, offered when office staff create a survey
// and used by the demo seed. A handful of small files read on demand, so plain synchronous reads.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { SurveyKind } from "~/models/surveys.server";

export type Template = { file: string; title: string; kind: SurveyKind };

const DIRECTORY = path.resolve(process.cwd(), "surveys");

/** Templates are listed in this order; a file not named here is of kind "other" and comes last. */
const KINDS: Record<string, SurveyKind> = {
  "household-satisfaction.json": "household",
  "awareness-quiz.json": "quiz",
  "hotline-callback.json": "callback",
  "door-visit.json": "visit",
  "visit-quiz.json": "quiz",
};

const rank = (file: string) => {
  const index = Object.keys(KINDS).indexOf(file);
  return index < 0 ? Infinity : index;
};

export function templateList(): Template[] {
  const files = readdirSync(DIRECTORY).filter((f) => f.endsWith(".json"));
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return files.map((file) => {
    const definition = loadTemplate(file);
    const title = typeof definition.title === "string" ? definition.title : file;
    return { file, title, kind: KINDS[file] ?? "other" };
  });
}

/** The definition in surveys/<file>; only plain file names of that folder are accepted. */
export function loadTemplate(file: string): Record<string, unknown> {
  if (!/^[\w-]+\.json$/.test(file)) throw new Error(`Not a template file name: ${file}`);
  return JSON.parse(readFileSync(path.join(DIRECTORY, file), "utf8")) as Record<string, unknown>;
}
