import { ID, Query, type Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { inProject } from "../sdk";
import { href, navigate } from "../router";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";
import { Confirm, FormDialog, Heading, ListState, parseObject, SaveField } from "../ui-kit";

const PAGE = 25;
type Team = Models.Team<Models.Preferences>;
const rolesOf = (text: string) => text.split(",").map((s) => s.trim()).filter(Boolean);

/** Auth › Teams: `/auth/teams` lists, `/auth/teams/<id>` is one team. */
export default function TeamsSection({ projectId, rest }: { projectId: string; rest: string[] }) {
  return rest[0] ? <TeamDetail projectId={projectId} teamId={rest[0]} /> : <TeamList projectId={projectId} />;
}

function TeamList({ projectId }: { projectId: string }) {
  const { teams } = inProject(projectId);
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const list = useLoad(async () => ({ offset, ...(await teams.list({ queries: [Query.limit(PAGE), Query.offset(offset), Query.orderDesc("$createdAt")], search: search || undefined })) }), [projectId, search, offset]);
  const base = `/project/${encodeURIComponent(projectId)}/auth/teams`;
  const total = list.data?.total ?? 0;
  const shown = list.data?.offset ?? 0;
  return (
    <section aria-labelledby="teams-h">
      <Heading id="teams-h" title="Teams"><button type="button" onClick={() => setCreating(true)}>Create team</button></Heading>
      <form role="search" class="bar" onSubmit={(e) => { e.preventDefault(); setOffset(0); setSearch((formValues(e).q ?? "").trim()); }}>
        <label for="team-search">Search teams</label>
        <input id="team-search" name="q" type="search" placeholder="Name or ID" defaultValue={search} />
        <button type="submit" class="quiet">Search</button>
      </form>
      <ListState state={list} items={list.data?.teams} empty={search ? (
        <Empty title={`No team matches “${search}”`}><p>Search looks at team names and IDs. Clear the search to see every team.</p></Empty>
      ) : (
        <Empty title="No teams yet">
          <p>A team groups users: permissions can name <code>team:ID</code> or one of its roles (<code>team:ID/admin</code>). Users create teams through an Appwrite SDK (<code>teams.create</code>), or you create one here.</p>
          <button type="button" onClick={() => setCreating(true)}>Create the first team</button>
        </Empty>
      )}>
        {(items) => (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Teams</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Created</th></tr></thead>
              <tbody>
                {items.map((t) => (
                  <tr key={t.$id}>
                    <td><a href={href(`${base}/${encodeURIComponent(t.$id)}`)}>{t.name || t.$id}</a></td>
                    <td>{t.total}</td>
                    <td>{when(t.$createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
      {total > PAGE && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="quiet" disabled={list.loading || shown === 0} onClick={() => setOffset(Math.max(0, shown - PAGE))}>Previous</button>
          <span>{shown + 1}–{Math.min(shown + PAGE, total)} of {total}</span>
          <button type="button" class="quiet" disabled={list.loading || shown + PAGE >= total} onClick={() => setOffset(shown + PAGE)}>Next</button>
        </nav>
      )}
      <FormDialog title="Create team" open={creating} onClose={() => setCreating(false)} submit="Create" action={async (v) => {
        const t = await teams.create({ teamId: v.teamId?.trim() || ID.unique(), name: v.name ?? "" });
        setCreating(false);
        navigate(`${base}/${encodeURIComponent(t.$id)}`);
      }}>
        <Field label="Name" name="name" required maxLength={128} autoFocus />
        <Field label="Team ID" name="teamId" maxLength={36} hint="Leave empty for a generated one." />
      </FormDialog>
    </section>
  );
}

function TeamDetail({ projectId, teamId }: { projectId: string; teamId: string }) {
  const { teams } = inProject(projectId);
  const team = useLoad(() => teams.get({ teamId }), [projectId, teamId]);
  const [deleting, setDeleting] = useState(false);
  const back = `/project/${encodeURIComponent(projectId)}/auth/teams`;
  if (team.error) return <ErrorNote error={team.error} />;
  const t = team.data;
  if (!t) return <p aria-busy="true">Loading team…</p>;
  return (
    <section aria-labelledby="team-h" class="detail">
      <p><a href={href(back)}>← All teams</a></p>
      <Heading id="team-h" title={t.name || t.$id}><button type="button" class="danger" onClick={() => setDeleting(true)}>Delete team</button></Heading>
      <dl class="facts">
        <dt>ID</dt><dd><code>{t.$id}</code></dd>
        <dt>Members</dt><dd>{t.total}</dd>
        <dt>Created</dt><dd>{when(t.$createdAt)}</dd>
      </dl>
      <Rename team={t} projectId={projectId} onSaved={team.reload} />
      <Members team={t} projectId={projectId} onChange={team.reload} />
      <TeamPrefs team={t} projectId={projectId} onSaved={team.reload} />
      <Confirm title="Delete team" open={deleting} onClose={() => setDeleting(false)} confirm="Delete team" action={async () => { await teams.delete({ teamId }); navigate(back); }}>
        <p>Delete <strong>{t.name}</strong> and all its memberships? Permissions naming <code>team:{t.$id}</code> stop granting anything. This cannot be undone.</p>
      </Confirm>
    </section>
  );
}

function Rename({ team, projectId, onSaved }: { team: Team; projectId: string; onSaved: () => void }) {
  return <div class="inline-form"><SaveField id="f-team-name" label="Team name" value={team.name} saveLabel="Save name" onSave={async (name) => { await inProject(projectId).teams.updateName({ teamId: team.$id, name }); onSaved(); }} /></div>;
}

function Members({ team, projectId, onChange }: { team: Team; projectId: string; onChange: () => void }) {
  const { teams } = inProject(projectId);
  const teamId = team.$id;
  const list = useLoad(() => teams.listMemberships({ teamId, queries: [Query.limit(100)] }), [projectId, teamId, team.$updatedAt, team.total]);
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<Models.Membership | null>(null);
  const [removing, setRemoving] = useState<Models.Membership | null>(null);
  const changed = () => { list.reload(); onChange(); };
  const userHref = (id: string) => href(`/project/${encodeURIComponent(projectId)}/auth/user/${encodeURIComponent(id)}`);
  return (
    <section aria-labelledby="members-h">
      <Heading id="members-h" title="Members" level={2}><button type="button" onClick={() => setInviting(true)}>Add member</button></Heading>
      <ListState state={list} items={list.data?.memberships} empty={<Empty title="No members"><p>Add a project user by e-mail; one who does not exist yet is created (without a password).</p></Empty>}>
        {(items) => (
          <div class="table-wrap members">
            <table>
              <caption class="sr-only">Members</caption>
              <thead><tr><th scope="col">Member</th><th scope="col">Roles</th><th scope="col">Joined</th><th><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {items.map((m) => (
                  <tr key={m.$id}>
                    <td><a href={userHref(m.userId)}>{m.userName || m.userEmail || m.userId}</a>{m.userEmail && m.userName ? <span class="muted small"> {m.userEmail}</span> : null}</td>
                    <td><span class="chips">{m.roles.map((r) => <span class="chip" key={r}>{r}</span>)}</span></td>
                    <td>{m.confirm ? when(m.joined) : "Invited"}</td>
                    <td class="row-actions">
                      <button type="button" class="quiet" aria-label={`Edit roles of ${m.userName || m.userEmail || m.userId}`} onClick={() => setEditing(m)}>Roles</button>
                      <button type="button" class="danger quiet" aria-label={`Remove ${m.userName || m.userEmail || m.userId}`} onClick={() => setRemoving(m)}>Remove</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
      <FormDialog title="Add member" open={inviting} onClose={() => setInviting(false)} submit="Add member" action={async (v) => {
        await teams.createMembership({ teamId, email: v.email ?? "", name: v.memberName || undefined, roles: rolesOf(v.roles ?? "") });
        setInviting(false);
        changed();
      }}>
        <Field label="Email" name="email" type="email" required autoFocus />
        <Field label="Name" name="memberName" maxLength={128} hint="Used when the user does not exist yet." />
        <Field label="Roles (comma separated)" name="roles" defaultValue="member" hint="e.g. owner, admin, member. Owners may invite and manage members." />
      </FormDialog>
      <Dialog title="Edit roles" open={!!editing} onClose={() => setEditing(null)}>
        {editing && <EditRoles membership={editing} projectId={projectId} onDone={(saved) => { setEditing(null); if (saved) changed(); }} />}
      </Dialog>
      <Confirm title="Remove member" open={!!removing} onClose={() => setRemoving(null)} confirm="Remove" action={async () => { if (removing) await teams.deleteMembership({ teamId, membershipId: removing.$id }); setRemoving(null); changed(); }}>
        <p>Remove <strong>{removing?.userName || removing?.userEmail || removing?.userId}</strong> from {team.name}? The user stays; their team roles go.</p>
      </Confirm>
    </section>
  );
}

function EditRoles({ membership, projectId, onDone }: { membership: Models.Membership; projectId: string; onDone: (saved: boolean) => void }) {
  const { busy, error, run } = useAction(async (roles: string[]) => {
    await inProject(projectId).teams.updateMembership({ teamId: membership.teamId, membershipId: membership.$id, roles });
    onDone(true);
  });
  return (
    <form onSubmit={(e) => { e.preventDefault(); void run(rolesOf(formValues(e).roles ?? "")); }}>
      <p>{membership.userName || membership.userEmail || membership.userId}</p>
      <Field label="Roles (comma separated)" name="roles" defaultValue={membership.roles.join(", ")} autoFocus />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={() => onDone(false)}>Cancel</button>
        <button type="submit" disabled={busy}>Save roles</button>
      </div>
    </form>
  );
}

function TeamPrefs({ team, projectId, onSaved }: { team: Team; projectId: string; onSaved: () => void }) {
  const { busy, error, run, setError } = useAction(async (text: string) => {
    await inProject(projectId).teams.updatePrefs({ teamId: team.$id, prefs: parseObject(text) });
    onSaved();
  });
  return (
    <form class="inline-form" key={JSON.stringify(team.prefs)} onSubmit={(e) => { e.preventDefault(); setError(null); void run(formValues(e).prefs ?? ""); }}>
      <div class="field">
        <label for="f-team-prefs">Team preferences (JSON)</label>
        <textarea id="f-team-prefs" name="prefs" rows={4} spellcheck={false} defaultValue={JSON.stringify(team.prefs, null, 2)} />
      </div>
      <ErrorNote error={error} />
      <button type="submit" class="quiet" disabled={busy}>Save preferences</button>
    </form>
  );
}
