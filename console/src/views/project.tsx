import { projects } from "../sdk";
import { href } from "../router";
import { ErrorNote, lazyView, useLoad } from "../ui";
import { Overview } from "./overview";

// Databases and Storage are chunks of their own, fetched when first opened.
const DatabasesSection = lazyView<{ projectId: string; rest: string[] }>(() => import("./databases"));
const AuthSection = lazyView<{ projectId: string; rest: string[] }>(() => import("./auth"));
const StorageSection = lazyView<{ projectId: string; rest: string[] }>(() => import("./storage"));
const FunctionsSection = lazyView<{ projectId: string; rest: string[] }>(() => import("./functions"));
const SettingsSection = lazyView<{ projectId: string; rest: string[] }>(() => import("./settings"));

const SECTIONS = [["overview", "Overview"], ["auth", "Auth"], ["databases", "Databases"], ["storage", "Storage"], ["functions", "Functions"], ["settings", "Settings"]] as const;

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
        {SECTIONS.map(([k, label]) => <a key={k} href={href(k === "overview" ? base : `${base}/${k}`)} aria-current={section === k ? "page" : undefined}>{label}</a>)}
      </nav>
      {section === "auth" ? <AuthSection projectId={projectId} rest={rest.slice(1)} />
        : section === "databases" ? <DatabasesSection projectId={projectId} rest={rest.slice(1)} />
        : section === "storage" ? <StorageSection projectId={projectId} rest={rest.slice(1)} />
        : section === "functions" ? <FunctionsSection projectId={projectId} rest={rest.slice(1)} />
        : section === "settings" ? <SettingsSection projectId={projectId} rest={rest.slice(1)} />
        : <Overview projectId={projectId} />}
    </div>
  );
}
