import { projects } from "../sdk";
import { href } from "../router";
import { ErrorNote, useLoad } from "../ui";
import { Overview } from "./overview";
import { UserDetail, UserList } from "./users";

/** One project: its name, the section tabs, and the section the path names. */
export function ProjectPage({ projectId, rest }: { projectId: string; rest: string[] }) {
  const project = useLoad(() => projects.get({ projectId }), [projectId]);
  const section = rest[0] ?? "overview";
  const base = `/project/${encodeURIComponent(projectId)}`;
  return (
    <div class="page">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href(project.data ? `/organization/${project.data.teamId}` : "/")}>Projects</a>
        <span aria-hidden="true"> / </span>
        <span>{project.data?.name ?? projectId}</span>
      </nav>
      <ErrorNote error={project.error} />
      <nav aria-label="Project" class="tabs">
        <a href={href(base)} aria-current={section === "overview" ? "page" : undefined}>Overview</a>
        <a href={href(`${base}/auth`)} aria-current={section === "auth" ? "page" : undefined}>Auth</a>
      </nav>
      {section === "auth" ? (rest[1] === "user" && rest[2] ? <UserDetail projectId={projectId} userId={rest[2]} /> : <UserList projectId={projectId} />) : <Overview projectId={projectId} />}
    </div>
  );
}
