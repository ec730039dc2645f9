// Registers the measure tags of app/survey/tags.ts as SurveyJS question properties, so survey-core
// loads tagged definitions without "unknown property" errors and keeps the tags on save.
// Importing this module is enough; registration happens once however often it is imported.
import { Serializer } from "survey-core";
import "survey-core/i18n/simplified-chinese";
import { MEASURES } from "./tags";

export function registerSurveyProperties(): void {
  if (Serializer.findProperty("question", "measure")) return;
  Serializer.addProperties("question", [
    // An out-of-list measure becomes a json error when loaded with validatePropertyValues.
    { name: "measure", choices: [...MEASURES], category: "measure" },
    { name: "positiveAnswers", isArray: true, category: "measure" },
    { name: "excludedAnswers", isArray: true, category: "measure" },
    // Untyped: survey-core keeps the { answer: points } object as it is.
    { name: "answerScores", category: "measure" },
    { name: "weight:number", default: 1, minValue: 0, category: "measure" },
  ]);
}

registerSurveyProperties();
