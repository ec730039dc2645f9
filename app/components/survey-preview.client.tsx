// Live preview of a survey definition with SurveyJS's own renderer, and the live check of the
// text. Loaded lazily by the office editor only: SurveyJS's React UI and its stylesheet never
// reach any other page.
import { useEffect, useRef, useState } from "react";
import { Model } from "survey-core";
import { Survey } from "survey-react-ui";
import "survey-core/survey-core.fontless.min.css";
import "survey-core/i18n/simplified-chinese";
import "~/survey/properties";
import { checkDefinitionText, type DefinitionError } from "~/survey/definition";
import { useT } from "~/i18n/use-t";

const CHECK_DELAY_MS = 400;

type Props = {
  text: string;
  /** Called with the problems of the text once it has settled (an empty list when it is fine). */
  onCheck: (errors: DefinitionError[]) => void;
};

export default function SurveyPreview({ text, onCheck }: Props) {
  const t = useT();
  const [preview, setPreview] = useState<{ model: Model; key: number } | null>(null);
  const [stale, setStale] = useState(false);
  const report = useRef(onCheck);
  report.current = onCheck;

  useEffect(() => {
    const timer = setTimeout(() => {
      const checked = checkDefinitionText(text);
      report.current(checked.ok ? [] : checked.errors);
      if (!checked.ok && checked.errors[0].key === "surveyDef.tooLarge") {
        setStale(true);
        return;
      }
      let definition: unknown;
      try {
        definition = JSON.parse(text);
      } catch {
        setStale(true);
        return;
      }
      if (!definition || typeof definition !== "object" || Array.isArray(definition)) {
        setStale(true);
        return;
      }
      // SurveyJS skips what it does not understand, so a definition with unknown properties
      // still previews as far as it can.
      const model = new Model(definition);
      model.locale = "zh-cn";
      setPreview((previous) => ({ model, key: (previous?.key ?? 0) + 1 }));
      setStale(false);
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <>
      {stale && (
        <p className="preview-stale" role="status">
          {t("surveys.previewStale")}
        </p>
      )}
      {preview ? (
        <>
          <Survey key={preview.key} model={preview.model} />
          <div className="preview-tools">
            <button type="button" className="button secondary" onClick={() => preview.model.clear(true, true)}>
              {t("surveys.previewRestart")}
            </button>
          </div>
        </>
      ) : (
        <p className="muted preview-loading">{t("surveys.previewLoading")}</p>
      )}
    </>
  );
}
