import type { Models } from "@appwrite.io/console";
import { useEffect } from "preact/hooks";
import { account } from "../sdk";
import { ErrorNote, Field, formValues, useAction } from "../ui";

/** Appwrite's answer for a session that still owes a second factor. */
export const needsMoreFactors = (e: unknown) => (e as { type?: string } | null)?.type === "user_more_factors_required";

/** Sign-in only: console accounts are made by the deployment admin (sign-up is closed on Edgewrite). */
export function SignIn({ onSignedIn, onMoreFactors }: { onSignedIn: (u: Models.User<Models.Preferences>) => void; onMoreFactors: () => void }) {
  // When the first screen can be used (the browser test and anyone's DevTools read it: performance.getEntriesByName).
  useEffect(() => void performance.mark("console:sign-in-ready"), []);
  const { busy, error, run } = useAction(async (email: string, password: string) => {
    await account.createEmailPasswordSession({ email, password });
    try {
      onSignedIn(await account.get());
    } catch (e) {
      if (!needsMoreFactors(e)) throw e;
      onMoreFactors(); // MFA is on: the session waits for a second factor (views/mfa.tsx)
    }
  });
  return (
    <main class="signin">
      <h1>Edgewrite Console</h1>
      <form
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          const v = formValues(e);
          void run(v.email ?? "", v.password ?? "");
        }}
      >
        <Field label="Email" name="email" type="email" autoComplete="username" required autoFocus />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      <section class="note" aria-label="First account">
        <h2>No account yet?</h2>
        <p>Sign-up is closed: the deployment's admin creates console accounts. Locally, while <code>npm run dev</code> runs:</p>
        <pre><code>npm run console:user -- you@example.com 'Your Name'</code></pre>
        <p>It also creates your organization. On a deployment, the admin calls <code>POST /v1/users</code> in project <code>console</code> with the <code>ADMIN_KEY</code>; organization owners can invite others by e-mail.</p>
      </section>
    </main>
  );
}
