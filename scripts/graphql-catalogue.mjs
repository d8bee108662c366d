// `node scripts/graphql-catalogue.mjs`: the GraphQL schema of Appwrite's API (what /v1/graphql serves), generated
// from the route and model definitions the REST API is held to: the official server SDK node-appwrite@27.1.0,
// which Appwrite generates from its own routes and models (the same ones its GraphQL schema is built from,
// src/Appwrite/GraphQL/Types/Mapper.php). Output: src/services/graphql/catalogue.ts — an SDL text plus, per
// root field, the REST route it runs. The file is committed; rerun after an SDK upgrade.
//
// Appwrite's mapping, carried over: field `<namespace><Method>` (tablesDBListRows), GET → Query, any other
// method → Mutation; `$id` → `_id`; models with free-form keys (Row, Document, Preferences) get `data` (a JSON
// string of the other keys); a delete (no model) and a binary answer are `None { status }`; a field holding
// several models is a union named after the field (Columns, Attributes); params: numbers Int (the few float
// validators Float), JSON validators Json, Assoc validators Assoc, files InputFile.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), "..");
const SDK = path.join(ROOT, "node_modules/node-appwrite/dist");
const OUT = path.join(ROOT, "src/services/graphql/catalogue.ts");

/** Appwrite's blacklist (Mapper::$blacklist) plus routes that answer a redirect, not a model. */
const SKIP_NAMESPACES = new Set(["graphql"]);
/** Params whose Appwrite validator is FloatValidator or Range(…, TYPE_FLOAT) (grep of 1.9.6); every other number is Int. */
const FLOAT_PARAMS = new Map([
  ["createFloatColumn", ["min", "max", "default"]], ["updateFloatColumn", ["min", "max", "default"]],
  ["createFloatAttribute", ["min", "max", "default"]], ["updateFloatAttribute", ["min", "max", "default"]],
  ["getScreenshot", ["scale", "latitude", "longitude", "accuracy"]], ["getFilePreview", ["opacity"]],
]);
/** Params with Appwrite's Assoc validator; other objects are its JSON validator. */
const ASSOC_PARAMS = new Set(["prefs", "headers"]);

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const source = (file) => ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
const text = (node) => node.getText().replace(/\s+/g, " ");

// ---- models ---------------------------------------------------------------------------------------------
const modelsFile = source(path.join(SDK, "models.d.ts"));
const models = new Map(); // name → members (TypeElement[])
const anyModels = new Set(); // models with free-form keys (their Default<Name> adds an index signature)
modelsFile.forEachChild(function visit(node) {
  if (ts.isModuleDeclaration(node) && node.body) return node.body.forEachChild(visit);
  if (!ts.isTypeAliasDeclaration(node)) return;
  const name = node.name.text;
  if (name.startsWith("Default") && ts.isIntersectionTypeNode(node.type)) anyModels.add(name.slice("Default".length));
  else if (ts.isTypeLiteralNode(node.type)) models.set(name, node.type.members);
});

/** A model reference (`Models.RowList<Row>`, `Row`, `Models.User<Preferences>`) → its model's name. */
const modelName = (t) => t.replace(/^Models\./, "").replace(/<.*$/, "");

const used = new Set();
const unions = new Map(); // union name → member names
function outputType(node, field) {
  if (ts.isArrayTypeNode(node)) return `[${outputType(node.elementType, field)}]`;
  if (ts.isParenthesizedTypeNode(node)) return outputType(node.type, field);
  if (ts.isUnionTypeNode(node)) {
    const members = node.types.map((m) => modelName(text(m))).filter((m) => models.has(m));
    if (members.length !== node.types.length) return "String"; // a union of literals (enums)
    const name = field[0].toUpperCase() + field.slice(1);
    unions.set(name, members);
    members.forEach(useModel);
    return name;
  }
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return "String";
    case ts.SyntaxKind.NumberKeyword: return "Float";
    case ts.SyntaxKind.BooleanKeyword: return "Boolean";
  }
  const name = modelName(text(node));
  if (models.has(name)) return useModel(name), name;
  if (ts.isTypeReferenceNode(node)) return "String"; // enums
  return "Json";
}
const modelSdl = new Map();
function useModel(name) {
  if (used.has(name)) return;
  used.add(name);
  const fields = [];
  if (anyModels.has(name)) fields.push("data: String");
  for (const m of models.get(name)) {
    if (!ts.isPropertySignature(m) || !m.type) continue;
    const key = m.name.getText().replace(/^["']|["']$/g, "").replace(/^\$/, "_");
    if (!NAME.test(key)) continue;
    fields.push(`${key}: ${outputType(m.type, key)}`);
  }
  if (fields.length === 0) fields.push("status: String");
  modelSdl.set(name, `type ${name} { ${fields.join(" ")} }`);
}

// ---- routes ---------------------------------------------------------------------------------------------
function inputType(node, method, param) {
  if (ts.isArrayTypeNode(node)) return `[${inputType(node.elementType, method, param)}]`;
  if (ts.isParenthesizedTypeNode(node)) return inputType(node.type, method, param);
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return "String";
    case ts.SyntaxKind.BooleanKeyword: return "Boolean";
    case ts.SyntaxKind.NumberKeyword: return FLOAT_PARAMS.get(method)?.includes(param) ? "Float" : "Int";
  }
  const t = text(node);
  if (/\bFile\b|InputFile/.test(t)) return "InputFile";
  if (ts.isTypeReferenceNode(node) && !/^(Record|Partial|Omit|object)\b/.test(t) && !models.has(modelName(t))) return "String"; // an enum
  return ASSOC_PARAMS.has(param) ? "Assoc" : "Json";
}

const fields = {}; // root field → [root type, SDL field definition, HTTP method, REST path with {param}s]
const lists = []; // fields taking `queries` (Appwrite's complexity multiplies them by the limit)
for (const file of readdirSync(path.join(SDK, "services")).filter((f) => f.endsWith(".d.ts")).sort()) {
  const dts = source(path.join(SDK, "services", file));
  const js = readFileSync(path.join(SDK, "services", file.replace(/\.d\.ts$/, ".mjs")), "utf8");
  dts.forEachChild((cls) => {
    if (!ts.isClassDeclaration(cls) || !cls.name) return;
    const namespace = cls.name.text[0].toLowerCase() + cls.name.text.slice(1);
    if (SKIP_NAMESPACES.has(namespace)) return;
    const seen = new Set();
    for (const m of cls.members) {
      if (!ts.isMethodDeclaration(m) || !m.type || seen.has(m.name.getText())) continue;
      const method = m.name.getText();
      // The object-style overload (first declared) names every param; a method without params has one overload.
      const first = m.parameters[0];
      if (first && !(first.name.getText() === "params" && first.type && ts.isTypeLiteralNode(first.type))) continue;
      seen.add(method);
      const body = js.slice(js.indexOf(`\n  ${method}(`));
      const end = body.indexOf("\n  }\n");
      const impl = body.slice(0, end);
      const http = /this\.client\.(call|chunkedUpload)\(\s*"(\w+)"/.exec(impl);
      const apiPath = /const apiPath = "([^"]+)"/.exec(impl);
      if (!http || !apiPath) continue; // URL builders and redirects (getFileView URLs, OAuth2) are not API calls
      const returns = text(m.type).replace(/^Promise<(.*)>$/, "$1");
      if (returns === "string") continue; // redirects
      const name = modelName(returns);
      const result = returns === "{}" || returns === "ArrayBuffer" ? "None" : models.has(name) ? (useModel(name), name) : "Json";
      const args = [];
      for (const prop of first?.type.members ?? []) {
        if (!ts.isPropertySignature(prop) || !prop.type) continue;
        const name = prop.name.getText();
        if (name === "onProgress" || !NAME.test(name)) continue;
        const type = inputType(prop.type, method, name);
        args.push(`${name}: ${type}${prop.questionToken ? "" : "!"}`);
      }
      const field = namespace + method[0].toUpperCase() + method.slice(1);
      if (args.some((a) => a.startsWith("queries:"))) lists.push(field);
      const sdl = `${field}${args.length ? `(${args.join(", ")})` : ""}: ${result}`;
      fields[field] = [http[2] === "get" ? "Query" : "Mutation", sdl, http[2].toUpperCase(), `/v1${apiPath[1]}`];
    }
  });
}
if (!used.has("None")) modelSdl.set("None", "type None { status: String }");

const types = {}; // type name → SDL definition
for (const k of ["Json", "Assoc", "InputFile"]) types[k] = `scalar ${k}`;
for (const k of [...modelSdl.keys()].sort()) types[k] = modelSdl.get(k);
for (const k of [...unions.keys()].sort()) types[k] = `union ${k} = ${unions.get(k).join(" | ")}`;
const sorted = Object.keys(fields).sort();
const catalogue = Object.fromEntries(sorted.map((f) => [f, fields[f]]));

const data = { fields: catalogue, types, anyModels: [...anyModels].filter((m) => used.has(m)).sort(), listFields: lists.sort() };
writeFileSync(OUT, `// Generated by scripts/graphql-catalogue.mjs from node-appwrite@27.1.0 — do not edit.
// One JSON string, parsed on the first GraphQL request: Workers that never serve GraphQL pay only for scanning it.

export interface Catalogue {
  /** Root field → [root type, SDL field definition, HTTP method, REST path with {param}s]. */
  fields: Readonly<Record<string, readonly [string, string, string, string]>>;
  /** Named type → its SDL definition (descriptions left out to keep the Worker small). */
  types: Readonly<Record<string, string>>;
  /** Models whose free-form keys are served as \`data\` (a JSON string). */
  anyModels: ReadonlySet<string>;
  /** Root fields taking \`queries\`: list routes, whose complexity is their children × the query's limit. */
  listFields: ReadonlySet<string>;
}

let parsed: Catalogue | undefined;
const table = <T>(o: Record<string, T>): Readonly<Record<string, T>> => Object.freeze(Object.assign(Object.create(null) as Record<string, T>, o));

/** Appwrite's GraphQL schema and routes, from the SDK's routes and models. */
export function catalogue(): Catalogue {
  if (parsed) return parsed;
  const raw = JSON.parse(RAW) as { fields: Record<string, [string, string, string, string]>; types: Record<string, string>; anyModels: string[]; listFields: string[] };
  return (parsed = { fields: table(raw.fields), types: table(raw.types), anyModels: new Set(raw.anyModels), listFields: new Set(raw.listFields) });
}

const RAW = ${JSON.stringify(JSON.stringify(data))};
`);
const q = sorted.filter((f) => fields[f][0] === "Query").length;
console.log(`${q} queries, ${sorted.length - q} mutations, ${Object.keys(types).length} types (${unions.size} unions)`);
