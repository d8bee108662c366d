import type { Models } from "@appwrite.io/console";
import { useEffect, useState } from "preact/hooks";
import { account } from "./sdk";
import { href, navigate, onLink, useRoute } from "./router";
import { SignIn } from "./views/sign-in";
import { Organizations } from "./views/organizations";
import { ProjectPage } from "./views/project";

export function App() {
  const [user, setUser] = useState<Models.User<Models.Preferences> | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    account.get().then(setUser, () => setUser(null));
  }, []);

  if (user === undefined) return <p class="boot">Loading the Edgewrite Console…</p>;
  if (user === null) return <SignIn onSignedIn={setUser} />;

  const signOut = async () => {
    await account.deleteSession({ sessionId: "current" }).catch(() => {});
    setUser(null);
    navigate("/", true);
  };

  return (
    <div class="shell" onClick={onLink}>
      <header class="top">
        <a class="brand" href={href("/")}>Edgewrite</a>
        <span class="who" aria-label="Signed in as">{user.name || user.email}</span>
        <button type="button" class="quiet" onClick={signOut}>Sign out</button>
      </header>
      <main id="main">{route[0] === "project" && route[1] ? <ProjectPage projectId={route[1]} rest={route.slice(2)} /> : <Organizations orgId={route[0] === "organization" ? route[1] : undefined} />}</main>
    </div>
  );
}
