// What a team leader sees on the phone above their buildings: each team they lead, its households
// done, and each member's logs in the round with the last one's time.
import { useT } from "~/i18n/use-t";

export type TeamProgressView = {
  id: number;
  name: string;
  households: number;
  done: number;
  members: { id: number; name: string; logs: number; lastAt: Date | string | null }[];
};

export function TeamProgressList({ teams }: { teams: TeamProgressView[] }) {
  const t = useT();
  if (teams.length === 0) return null;
  return (
    <>
      {teams.map((team) => (
        <section key={team.id} className="card team-progress" data-testid="team-progress">
          <h2>{t("teams.progressTitle", { name: team.name })}</h2>
          <span className="progress-bar" aria-hidden="true">
            <span style={{ width: `${team.households ? (100 * team.done) / team.households : 0}%` }} />
          </span>
          <p>{t("visits.progress", { done: team.done, total: team.households })}</p>
          {team.members.map((m) => (
            <p key={m.id} className="member">
              <span>{m.name}</span>
              <span className="muted">
                {t("teams.memberLogs", { n: m.logs })}
                {m.lastAt && ` · ${new Date(m.lastAt).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" })}`}
              </span>
            </p>
          ))}
        </section>
      ))}
    </>
  );
}
