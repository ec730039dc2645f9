// A survey definition as a .json file: the draft, or a published version with ?version=N.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { definitionText, getSurvey, getSurveyVersion } from "~/models/surveys.server";
import { translate } from "~/i18n";
import { getLang } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "survey:manage");
  const surveyId = idParam(params.surveyId);
  const versionParam = new URL(request.url).searchParams.get("version");
  const lang = await getLang(request);
  let title: string;
  let definition: unknown;
  if (versionParam === null) {
    const survey = await getSurvey(user.countyId, surveyId);
    invariantResponse(survey);
    title = translate(lang, "surveys.exportDraftName", { title: survey.title });
    definition = survey.draft;
  } else {
    const version = await getSurveyVersion(user.countyId, surveyId, idParam(versionParam));
    invariantResponse(version);
    title = translate(lang, "surveys.exportVersionName", { title: version.title, n: version.version });
    definition = version.definition;
  }
  // Characters that are not allowed in file names on Windows become "_".
  const filename = `${title.replace(/[\\/:*?"<>|]/g, "_")}.json`;
  return new Response(definitionText(definition), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
      "Cache-Control": "no-store",
    },
  });
}
