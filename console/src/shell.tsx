import type { Models } from "@appwrite.io/console";
import { href, onLink, useRoute } from "./router";
import { Organizations } from "./views/organizations";
import { ProjectPage } from "./views/project";

/** Everything behind sign-in (loaded after it, so the sign-in screen stays small). */
export default function Shell({ user, onSignOut }: { user: Models.User<Models.Preferences>; onSignOut: () => void }) {
  const route = useRoute();
  return (
    <div class="shell" onClick={onLink}>
      <header class="top">
        <a class="brand" href={href("/")}>Edgewrite</a>
        <span class="who" aria-label="Signed in as">{user.name || user.email}</span>
        <button type="button" class="quiet" onClick={onSignOut}>Sign out</button>
      </header>
      <main id="main">{route[0] === "project" && route[1] ? <ProjectPage projectId={route[1]} rest={route.slice(2)} /> : <Organizations orgId={route[0] === "organization" ? route[1] : undefined} />}</main>
    </div>
  );
}
