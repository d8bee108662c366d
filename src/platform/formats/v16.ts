import { formatDate } from "../../core/time";
import { nextRun, previousRun } from "../../services/functions/cron";
import { rename, type Format, type Model } from "./format";

/** The install command Appwrite 1.4 gave a function of each runtime family (1.3 had no `commands`). */
const COMMANDS: [prefix: string, command: string][] = [
  ["node", "npm install"],
  ["python", "pip install --no-cache-dir -r requirements.txt"],
  ["dart", "dart pub get"],
  ["php", "composer update --no-interaction --ignore-platform-reqs --optimize-autoloader --prefer-dist --no-dev"],
  ["ruby", "bundle install"],
  ["swift", "swift package resolve"],
  ["dotnet", "dotnet restore"],
];
const commandsFor = (runtime: unknown) => COMMANDS.find(([prefix]) => String(runtime ?? "").startsWith(prefix))?.[1] ?? "";

/** 1.3 clients (format < 1.4.0). */
export const V16: Format = {
  before: "1.4.0",
  request: {
    "functions.create": (p) => void (p.commands = commandsFor(p.runtime)),
    "functions.update": (p) => void (p.commands = commandsFor(p.runtime)),
    "functions.createExecution": (p) => {
      p.body = p.data ?? "";
      delete p.data;
    },
  },
  response: {
    deployment: (m) => {
      if (m.buildLogs !== undefined && m.buildLogs !== null) {
        m.buildStderr = "";
        rename(m, "buildLogs", "buildStdout");
      }
      if (m.buildSize !== undefined && m.buildSize !== null) {
        m.size = Number(m.size ?? 0) + Number(m.buildSize);
        delete m.buildSize;
      }
    },
    execution: (m) => {
      rename(m, "responseStatusCode", "statusCode");
      rename(m, "responseBody", "response");
      rename(m, "logs", "stdout");
      rename(m, "errors", "stderr");
    },
    function: (m) => {
      m.schedulePrevious = "";
      m.scheduleNext = "";
      if (typeof m.schedule === "string" && m.schedule) {
        const now = Date.now();
        const previous = previousRun(m.schedule, now);
        const next = nextRun(m.schedule, now);
        if (previous !== null) m.schedulePrevious = formatDate(previous);
        if (next !== null) m.scheduleNext = formatDate(next);
      }
    },
    project: (m) => {
      if (Array.isArray(m.oAuthProviders)) {
        m.oAuthProviders = (m.oAuthProviders as Model[]).map(({ key, ...rest }) => ({ ...rest, name: String(key ?? "").charAt(0).toUpperCase() + String(key ?? "").slice(1) }));
      }
      m.domains = [];
    },
    variable: (m) => rename(m, "resourceId", "functionId"),
  },
};
