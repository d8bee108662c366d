import type { Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { account, teams } from "../sdk";
import { ErrorNote, Field, formValues, useAction } from "../ui";

/**
 * `/console/invite?teamId&membershipId&userId&secret` — the link an organization owner's invitation e-mails (what
 * Appwrite's console serves there). Accepting signs the invitee in; a new account then sets its password.
 */
export function Invite({ onDone }: { onDone: (u: Models.User<Models.Preferences>) => void }) {
  const q = new URLSearchParams(location.search);
  const [joined, setJoined] = useState(false);
  const accept = useAction(async () => {
    await teams.updateMembershipStatus({ teamId: q.get("teamId") ?? "", membershipId: q.get("membershipId") ?? "", userId: q.get("userId") ?? "", secret: q.get("secret") ?? "" });
    setJoined(true);
  });
  const password = useAction(async (value: string) => {
    await account.updatePassword({ password: value });
    onDone(await account.get());
  });
  const finish = async () => onDone(await account.get());
  const team = q.get("teamName") || "an organization";
  return (
    <main class="signin">
      <h1>Edgewrite Console</h1>
      {!joined ? (
        <section class="panel" aria-label="Invitation">
          <p>You are invited to join <strong>{team}</strong>.</p>
          <ErrorNote error={accept.error} />
          <button type="button" disabled={accept.busy} onClick={() => void accept.run()}>{accept.busy ? "Joining…" : "Accept invitation"}</button>
        </section>
      ) : (
        <form class="panel" aria-label="Set your password" onSubmit={(e) => { e.preventDefault(); void password.run(formValues(e).password ?? ""); }}>
          <p>You joined <strong>{team}</strong>. Choose the password you will sign in with.</p>
          <Field label="New password" name="password" type="password" autoComplete="new-password" minLength={8} required autoFocus />
          <ErrorNote error={password.error} />
          <button type="submit" disabled={password.busy}>{password.busy ? "Saving…" : "Set password and continue"}</button>
          <p class="small"><button type="button" class="quiet" onClick={() => void finish()}>I already have a password</button></p>
        </form>
      )}
    </main>
  );
}
