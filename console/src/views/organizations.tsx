import { ID, type Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { projects, teams } from "../sdk";
import { href, navigate } from "../router";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";

const REMEMBERED = "edgewrite.organization";

/** The user's organizations (console teams) and the chosen one's projects. */
export function Organizations({ orgId }: { orgId?: string }) {
  const orgs = useLoad(() => teams.list(), []);
  const [creating, setCreating] = useState(false);
  if (orgs.error) return <ErrorNote error={orgs.error} />;
  if (!orgs.data) return <p aria-busy="true">Loading organizations…</p>;
  const list = orgs.data.teams;
  // Mounted only while open: its name ("Create organization") would otherwise also answer to the label "Organization".
  const createDialog = creating && (
    <Dialog title="Create organization" open={creating} onClose={() => setCreating(false)}>
      <CreateOrganization onDone={(t) => { setCreating(false); if (t) { localStorage.setItem(REMEMBERED, t.$id); orgs.reload(); navigate(`/organization/${t.$id}`); } }} />
    </Dialog>
  );
  if (!list.length)
    return (
      <div class="page">
        <Empty title="You are in no organization yet">
          <p>An organization holds projects and the people who work on them. Create one (you become its owner), or ask an organization's owner to invite you.</p>
          <button type="button" onClick={() => setCreating(true)}>Create organization</button>
        </Empty>
        {createDialog}
      </div>
    );
  const chosen = list.find((t) => t.$id === (orgId ?? localStorage.getItem(REMEMBERED))) ?? list[0]!;
  localStorage.setItem(REMEMBERED, chosen.$id);
  return (
    <div class="page">
      <div class="bar">
        <label for="org">Organization</label>
        <select id="org" value={chosen.$id} onChange={(e) => navigate(`/organization/${(e.target as HTMLSelectElement).value}`)}>
          {list.map((t) => (
            <option value={t.$id} key={t.$id}>{t.name}</option>
          ))}
        </select>
        <button type="button" class="quiet" onClick={() => setCreating(true)}>Create organization</button>
      </div>
      {createDialog}
      <ProjectList org={chosen} />
    </div>
  );
}

function ProjectList({ org }: { org: Models.Team<Models.Preferences> }) {
  // GET /v1/projects answers the projects of all the caller's organizations; this one's are picked here.
  const list = useLoad(async () => (await projects.list()).projects.filter((p) => p.teamId === org.$id), [org.$id]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Models.Project | null>(null);
  return (
    <section aria-labelledby="projects-h">
      <div class="heading">
        <h1 id="projects-h">Projects</h1>
        <button type="button" onClick={() => setCreating(true)}>Create project</button>
      </div>
      <ErrorNote error={list.error} />
      {list.data && !list.data.length && (
        <Empty title="No projects in this organization">
          <p>A project holds its own users, databases, files and functions. Create one, then point an Appwrite SDK at <code>{location.origin}/v1</code> with its ID.</p>
          <button type="button" onClick={() => setCreating(true)}>Create your first project</button>
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <ul class="cards" aria-label="Projects">
          {list.data.map((p) => (
            <li key={p.$id} class="card">
              <a href={href(`/project/${encodeURIComponent(p.$id)}`)} class="card-link">
                <strong>{p.name}</strong>
                <span class="muted">{p.$id}</span>
              </a>
              <span class="muted small">Created {when(p.$createdAt)}</span>
              <button type="button" class="danger quiet" aria-label={`Delete project ${p.name}`} onClick={() => setDeleting(p)}>Delete</button>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Create project" open={creating} onClose={() => setCreating(false)}>
        <CreateProject teamId={org.$id} onDone={(p) => { setCreating(false); list.reload(); if (p) navigate(`/project/${encodeURIComponent(p.$id)}`); }} />
      </Dialog>
      <Dialog title="Delete project" open={!!deleting} onClose={() => setDeleting(null)}>
        {deleting && <DeleteProject project={deleting} onDone={() => { setDeleting(null); list.reload(); }} />}
      </Dialog>
    </section>
  );
}

/** A console team in project `console` (Teams.create), as Appwrite's console makes an organization: its creator owns it. */
function CreateOrganization({ onDone }: { onDone: (t?: Models.Team<Models.Preferences>) => void }) {
  const { busy, error, run } = useAction(async (v: Record<string, string>) => onDone(await teams.create({ teamId: ID.unique(), name: (v.orgName ?? "").trim() })));
  return (
    <form onSubmit={(e) => { e.preventDefault(); void run(formValues(e)); }}>
      <Field label="Organization name" name="orgName" required maxLength={128} autoFocus />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={() => onDone()}>Cancel</button>
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create"}</button>
      </div>
    </form>
  );
}

function CreateProject({ teamId, onDone }: { teamId: string; onDone: (p?: Models.Project) => void }) {
  const { busy, error, run } = useAction(async (v: Record<string, string>) => {
    const p = await projects.create({ projectId: v.projectId?.trim() || ID.unique(), name: v.name ?? "", teamId });
    onDone(p);
  });
  return (
    <form onSubmit={(e) => { e.preventDefault(); void run(formValues(e)); }}>
      <Field label="Name" name="name" required maxLength={128} autoFocus />
      <Field label="Project ID" name="projectId" maxLength={36} hint="Up to 36 letters, digits, periods, hyphens or underscores, not starting with a symbol; leave empty for a generated one. It cannot change later." />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={() => onDone()}>Cancel</button>
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create"}</button>
      </div>
    </form>
  );
}

/** Deleting takes the project's ID typed out: its users, data, files and functions go with it. */
function DeleteProject({ project, onDone }: { project: Models.Project; onDone: () => void }) {
  const [typed, setTyped] = useState("");
  const { busy, error, run } = useAction(async () => {
    await projects.delete({ projectId: project.$id });
    onDone();
  });
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (typed === project.$id) void run(); }}>
      <p>This deletes <strong>{project.name}</strong> with all its users, databases, files and functions. It cannot be undone.</p>
      <Field label={`Type ${project.$id} to confirm`} name="confirm" value={typed} onInput={setTyped} autoFocus />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={onDone}>Cancel</button>
        <button type="submit" class="danger" disabled={busy || typed !== project.$id}>{busy ? "Deleting…" : "Delete project"}</button>
      </div>
    </form>
  );
}
