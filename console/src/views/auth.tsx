import { href } from "../router";
import { lazyView } from "../ui";
import { UserList } from "./users";

// The users list is this chunk; a user's page, Teams and Settings are chunks of their own.
const UserDetail = lazyView<{ projectId: string; userId: string }>(() => import("./user"));
const Teams = lazyView<{ projectId: string; rest: string[] }>(() => import("./teams"));
const Settings = lazyView<{ projectId: string }>(() => import("./auth-settings"));

const TABS = [["", "Users"], ["teams", "Teams"], ["settings", "Settings"]] as const;

/** Auth: Users · Teams · Settings (`/project/<id>/auth[/user/<u>|/teams[/<t>]|/settings]`). */
export default function AuthSection({ projectId, rest }: { projectId: string; rest: string[] }) {
  const base = `/project/${encodeURIComponent(projectId)}/auth`;
  const tab = rest[0] === "user" ? "" : (rest[0] ?? "");
  return (
    <>
      <nav aria-label="Auth" class="subtabs">
        {TABS.map(([k, label]) => <a key={k} href={href(k ? `${base}/${k}` : base)} aria-current={tab === k ? "page" : undefined}>{label}</a>)}
      </nav>
      {rest[0] === "user" && rest[1] ? <UserDetail projectId={projectId} userId={rest[1]} />
        : rest[0] === "teams" ? <Teams projectId={projectId} rest={rest.slice(1)} />
        : rest[0] === "settings" ? <Settings projectId={projectId} />
        : <UserList projectId={projectId} />}
    </>
  );
}
