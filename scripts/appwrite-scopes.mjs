// `node scripts/appwrite-scopes.mjs [mirror] [tag]`: the scope list of every Appwrite route, read from the
// Appwrite source (a bare git mirror), into test/e2e/fixtures/appwrite-scopes.json. The JSON is committed:
// CI has no mirror, and the permission matrix reads only the JSON.
//
// Two kinds of route source:
//  - legacy controllers (app/controllers/**): `Http::post('/v1/…')` … `->alias('/v1/…')` … `->label('scope', …)`;
//  - platform actions (src/Appwrite/Platform/Modules/**): one class per route whose constructor calls
//    setHttpMethod/setHttpPath (+ httpAlias)/label('scope', …). A class without its own constructor inherits its parent's;
//    a class with one replaces it (TablesDB classes extend Databases ones and relabel). Paths may be built from
//    static getters (`'/v1/project/oauth2/' . $providerId`), resolved along the class chain.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

const MIRROR = process.argv[2] ?? "/work/.mirror/appwrite+appwrite/repo";
const TAG = process.argv[3] ?? "1.9.6";
const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), "../test/e2e/fixtures/appwrite-scopes.json");

const git = (...args) => execFileSync("git", ["-C", MIRROR, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
const files = (dir) => git("ls-tree", "-r", "--name-only", TAG, dir).split("\n").filter((f) => f.endsWith(".php"));
const show = (file) => git("show", `${TAG}:${file}`);

/** `'a'` or `['a', 'b']` → ["a"] / ["a", "b"]. */
function scopeList(src) {
  return [...src.matchAll(/'([^']*)'/g)].map((m) => m[1]);
}

/**
 * The scopes a route admits (any one suffices), or null when Appwrite checks none: the check is an init hook
 * of the `api` group (app/controllers/shared/api.php), and a route without a label gets 'none'.
 */
function routeScopes(src) {
  const groups = /->groups\((\[[^\]]*\])\)/.exec(src);
  if (!groups || !scopeList(groups[1]).includes("api")) return null;
  const scope = /->label\('scope',\s*(\[[^\]]*\]|'[^']*')\)/.exec(src);
  return scope ? scopeList(scope[1]) : ["none"];
}

const routes = new Map(); // "METHOD /path" → { method, path, scopes, source }
function add(method, routePath, scopes, source) {
  const key = `${method} ${routePath}`;
  const prior = routes.get(key);
  if (prior && JSON.stringify(prior.scopes) !== JSON.stringify(scopes)) {
    throw new Error(`${key}: ${source} says ${JSON.stringify(scopes)}, ${prior.source} says ${JSON.stringify(prior.scopes)}`);
  }
  routes.set(key, { method, path: routePath, scopes, source });
}

// Legacy controllers: a route runs from `Http::<method>(` to the next top-level `Http::`.
for (const file of files("app/controllers")) {
  const blocks = show(file).split(/^(?=Http::)/m);
  for (const block of blocks) {
    const head = /^Http::(get|post|put|patch|delete|head|options)\('([^']+)'\)/.exec(block);
    if (!head) continue;
    const scopes = routeScopes(block);
    const method = head[1].toUpperCase();
    add(method, head[2], scopes, file);
    for (const alias of block.matchAll(/->alias\('([^']+)'/g)) add(method, alias[1], scopes, file);
  }
}

// Platform actions.
const classes = new Map(); // FQCN → parsed class
for (const file of files("src/Appwrite/Platform/Modules")) {
  const src = show(file);
  const ns = /^namespace\s+([^;]+);/m.exec(src)?.[1];
  const decl = /^(abstract\s+)?class\s+(\w+)(?:\s+extends\s+([\w\\]+))?/m.exec(src);
  if (!ns || !decl) continue;
  const uses = new Map();
  for (const u of src.matchAll(/^use\s+([\w\\]+)(?:\s+as\s+(\w+))?;/gm)) uses.set(u[2] ?? u[1].split("\\").pop(), u[1]);
  const resolve = (name) => (name.startsWith("\\") ? name.slice(1) : uses.get(name.split("\\")[0]) ? uses.get(name.split("\\")[0]) + name.slice(name.split("\\")[0].length) : `${ns}\\${name}`);
  const getters = new Map();
  for (const m of src.matchAll(/function\s+(\w+)\(\)\s*(?::\s*[\w|]+)?\s*\{\s*return\s+'([^']*)';\s*\}/g)) getters.set(m[1], m[2]);
  const ctor = /function\s+__construct\([^)]*\)[^{]*\{([\s\S]*?)\n    \}/.exec(src)?.[1] ?? null;
  classes.set(`${ns}\\${decl[2]}`, { file, abstract: !!decl[1], parent: decl[3] ? resolve(decl[3]) : null, getters, ctor });
}

const chain = (cls) => {
  const out = [];
  for (let c = classes.get(cls); c; c = c.parent ? classes.get(c.parent) : undefined) out.push(c);
  return out;
};

/** A constructor's path expression, e.g. `'/v1/project/oauth2/' . $providerId` or `$this->getPath()`. */
function evaluate(expr, ctor, line) {
  return expr.split(/\s*\.\s*(?=['$]|static::|self::)/).map((part) => {
    const lit = /^'([^']*)'$/.exec(part);
    if (lit) return lit[1];
    let getter = /^(?:static::|self::|\$this->)(\w+)\(\)$/.exec(part)?.[1];
    const v = /^\$(\w+)$/.exec(part)?.[1];
    if (v) getter = new RegExp(`\\$${v}\\s*=\\s*(?:static::|self::|\\$this->)(\\w+)\\(\\);`).exec(ctor)?.[1];
    const value = getter && line.map((c) => c.getters.get(getter)).find((g) => g !== undefined);
    if (value === undefined) throw new Error(`cannot evaluate ${part} in ${line[0].file}`);
    return value;
  }).join("");
}

for (const [name, cls] of classes) {
  if (cls.abstract) continue;
  const line = chain(name);
  // The nearest constructor decides; one that calls parent::__construct() adds to its parent's (Proxy rules).
  const ctors = line.filter((c) => c.ctor !== null).map((c) => c.ctor);
  let body = ctors[0] ?? "";
  for (let i = 1; i < ctors.length && /parent::__construct/.test(ctors[i - 1]); i++) body += ctors[i];
  if (!/setHttpPath\(/.test(body)) continue;
  const method = /setHttpMethod\(\w+::HTTP_REQUEST_METHOD_(\w+)\)/.exec(body)?.[1];
  const pathExpr = /setHttpPath\(([^;]*?)\)\s*\n?\s*->/.exec(body)?.[1];
  if (!method || !pathExpr) throw new Error(`unparsed route in ${cls.file}`);
  const scopes = routeScopes(body);
  add(method, evaluate(pathExpr.trim(), body, line), scopes, cls.file);
  for (const alias of body.matchAll(/->httpAlias\('([^']+)'/g)) add(method, alias[1], scopes, cls.file);
}

// What callers hold: app/config/roles.php (guests, users = $member, and what every API key adds) and the
// scopes a project key may be given (app/config/scopes/project.php).
const roles = show("app/config/roles.php");
const arrayAfter = (re) => {
  const at = re.exec(roles);
  return scopeList(/\[([^\]]*)\]/.exec(roles.slice(at.index + at[0].length))[1]);
};
const callers = {
  guests: arrayAfter(/User::ROLE_GUESTS\s*=>[\s\S]*?'scopes'\s*=>/),
  users: arrayAfter(/\$member\s*=/),
  keys: arrayAfter(/User::ROLE_KEYS\s*=>[\s\S]*?'scopes'\s*=>/),
  keyScopes: [...show("app/config/scopes/project.php").matchAll(/^    ["']([\w.]+)["']\s*=>/gm)].map((m) => m[1]),
};

const list = [...routes.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method)).map(({ method, path: p, scopes }) => ({ method, path: p, scopes }));
// One route per line: diffs of a regenerated file stay readable.
const lines = (entries) => entries.map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n");
writeFileSync(
  OUT,
  `{\n "source": "appwrite/appwrite ${TAG}",\n "generatedBy": "scripts/appwrite-scopes.mjs",\n "callers": {\n${lines(Object.entries(callers))}\n },\n` +
    ` "routes": [\n${list.map((r) => `  ${JSON.stringify(r)}`).join(",\n")}\n ]\n}\n`,
);
console.log(`${list.length} routes → ${path.relative(process.cwd(), OUT)}`);
