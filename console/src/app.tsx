import type { Models } from "@appwrite.io/console";
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { account } from "./sdk";
import { navigate } from "./router";
import { needsMoreFactors, SignIn } from "./views/sign-in";
import { lazyView } from "./ui";
import { Invite } from "./views/invite";

type ShellProps = { user: Models.User<Models.Preferences>; onSignOut: () => void };
/** The signed-in console, a chunk of its own: fetched while the session is checked, so it is usually there. */
const shell = import("./shell");
/** The second-factor step, a chunk of its own: only accounts with MFA on ever load it. */
const MfaChallenge = lazyView<{ onDone: (u: Models.User<Models.Preferences>) => void; onCancel: () => void }>(() => import("./views/mfa"));

export function App() {
  const [user, setUser] = useState<Models.User<Models.Preferences> | null | undefined>(undefined);
  const [Shell, setShell] = useState<ComponentType<ShellProps> | null>(null);
  const [moreFactors, setMoreFactors] = useState(false);
  useEffect(() => {
    account.get().then(setUser, (e) => { setMoreFactors(needsMoreFactors(e)); setUser(null); });
  }, []);
  useEffect(() => {
    if (user && !Shell) void shell.then((m) => setShell(() => m.default));
  }, [user, Shell]);

  if (location.pathname === "/console/invite") return <Invite onDone={(u) => { navigate("/", true); setUser(u); }} />;
  if (user === undefined) return <p class="boot">Loading the Edgewrite Console…</p>;
  if (user === null && moreFactors) {
    const cancel = async () => { await account.deleteSession({ sessionId: "current" }).catch(() => {}); setMoreFactors(false); };
    return <MfaChallenge onDone={(u) => { setMoreFactors(false); setUser(u); }} onCancel={cancel} />;
  }
  if (user === null) return <SignIn onSignedIn={setUser} onMoreFactors={() => setMoreFactors(true)} />;
  if (!Shell) return <p class="boot">Loading the Edgewrite Console…</p>;
  const signOut = async () => {
    await account.deleteSession({ sessionId: "current" }).catch(() => {});
    setUser(null);
    navigate("/", true);
  };
  return <Shell user={user} onSignOut={signOut} />;
}
