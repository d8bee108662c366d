import { href } from "../router";
import { Keys } from "./settings-keys";
import { Platforms } from "./settings-platforms";
import { RealtimeViewer } from "./settings-realtime";
import { Webhooks } from "./settings-webhooks";

const TABS = [["platforms", "Platforms"], ["keys", "API keys"], ["webhooks", "Webhooks"], ["realtime", "Realtime"]] as const;

/** Project settings: platforms, API keys, webhooks and a live view of the project's realtime events. */
export default function SettingsSection({ projectId, rest }: { projectId: string; rest: string[] }) {
  const tab = rest[0] ?? "platforms";
  const here = `/project/${encodeURIComponent(projectId)}/settings`;
  return (
    <section aria-labelledby="settings-h">
      <div class="heading"><h1 id="settings-h">Settings</h1></div>
      <nav aria-label="Settings" class="tabs">
        {TABS.map(([k, label]) => <a key={k} href={href(k === "platforms" ? here : `${here}/${k}`)} aria-current={tab === k ? "page" : undefined}>{label}</a>)}
      </nav>
      {tab === "keys" ? <Keys projectId={projectId} />
        : tab === "webhooks" ? <Webhooks projectId={projectId} webhookId={rest[1]} />
        : tab === "realtime" ? <RealtimeViewer projectId={projectId} />
        : <Platforms projectId={projectId} />}
    </section>
  );
}
