import { ID, Query, type Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { inProject } from "../sdk";
import { href, navigate } from "../router";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";

const PAGE = 25;

/** Auth › Users: search (Appwrite's `search` param), pages of 25, create. */
export function UserList({ projectId }: { projectId: string }) {
  const { users } = inProject(projectId);
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  // The page remembers the offset it was loaded for: the pager describes the rows shown, never the ones on their way.
  const list = useLoad(async () => ({ offset, ...(await users.list({ queries: [Query.limit(PAGE), Query.offset(offset), Query.orderDesc("$createdAt")], search: search || undefined })) }), [projectId, search, offset]);
  const base = `/project/${encodeURIComponent(projectId)}/auth`;
  const total = list.data?.total ?? 0;
  const shown = list.data?.offset ?? 0;
  return (
    <section aria-labelledby="users-h">
      <div class="heading">
        <h1 id="users-h">Users</h1>
        <button type="button" onClick={() => setCreating(true)}>Create user</button>
      </div>
      <form role="search" class="bar" onSubmit={(e) => { e.preventDefault(); setOffset(0); setSearch((formValues(e).q ?? "").trim()); }}>
        <label for="user-search">Search users</label>
        <input id="user-search" name="q" type="search" placeholder="Name, email, phone or ID" defaultValue={search} />
        <button type="submit" class="quiet">Search</button>
      </form>
      <ErrorNote error={list.error} />
      {list.data && !list.data.users.length && (search ? (
        <Empty title={`No user matches “${search}”`}><p>Search looks at names, e-mails, phone numbers and IDs. Clear the search to see everyone.</p></Empty>
      ) : (
        <Empty title="No users yet">
          <p>Users appear here when they sign up through an Appwrite SDK (<code>account.create</code>) or when you create one.</p>
          <button type="button" onClick={() => setCreating(true)}>Create the first user</button>
        </Empty>
      ))}
      {list.data && list.data.users.length > 0 && (
        <div class="table-wrap users" aria-busy={list.loading}>
          <table>
            <caption class="sr-only">Users</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Joined</th></tr></thead>
            <tbody>
              {list.data.users.map((u) => (
                <tr key={u.$id}>
                  <td><a href={href(`${base}/user/${encodeURIComponent(u.$id)}`)}>{u.name || u.$id}</a></td>
                  <td>{u.email || "—"}</td>
                  <td>{u.status ? "Active" : "Blocked"}</td>
                  <td>{when(u.registration)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > PAGE && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="quiet" disabled={list.loading || shown === 0} onClick={() => setOffset(Math.max(0, shown - PAGE))}>Previous</button>
          <span>{shown + 1}–{Math.min(shown + PAGE, total)} of {total}</span>
          <button type="button" class="quiet" disabled={list.loading || shown + PAGE >= total} onClick={() => setOffset(shown + PAGE)}>Next</button>
        </nav>
      )}
      <Dialog title="Create user" open={creating} onClose={() => setCreating(false)}>
        <CreateUser projectId={projectId} onDone={(u) => { setCreating(false); list.reload(); if (u) navigate(`${base}/user/${encodeURIComponent(u.$id)}`); }} />
      </Dialog>
    </section>
  );
}

function CreateUser({ projectId, onDone }: { projectId: string; onDone: (u?: Models.User<Models.Preferences>) => void }) {
  const { busy, error, run } = useAction(async (v: Record<string, string>) => {
    const u = await inProject(projectId).users.create({ userId: v.userId?.trim() || ID.unique(), email: v.email || undefined, password: v.password || undefined, name: v.name || undefined });
    onDone(u);
  });
  return (
    <form onSubmit={(e) => { e.preventDefault(); void run(formValues(e)); }}>
      <Field label="Name" name="name" maxLength={128} autoFocus />
      <Field label="Email" name="email" type="email" />
      <Field label="Password" name="password" type="password" autoComplete="new-password" minLength={8} hint="At least 8 characters; leave empty for a user who signs in another way." />
      <Field label="User ID" name="userId" maxLength={36} hint="Leave empty for a generated one." />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={() => onDone()}>Cancel</button>
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create"}</button>
      </div>
    </form>
  );
}
