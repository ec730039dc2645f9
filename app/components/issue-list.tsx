import { useT } from "~/i18n/use-t";
import type { ImportIssue } from "~/domain/register-import";

const SHOWN = 200;

/** Import problems, each with its line and column, in the user's language. */
export function IssueList({ issues }: { issues: ImportIssue[] }) {
  const t = useT();
  return (
    <ul data-testid="import-issues">
      {issues.slice(0, SHOWN).map((issue, i) => (
        <li key={i}>{t(issue.key, { ...issue.params, line: issue.line ?? "", column: issue.column ?? "" })}</li>
      ))}
      {issues.length > SHOWN && <li>{t("register.moreIssues", { n: issues.length - SHOWN })}</li>}
    </ul>
  );
}
