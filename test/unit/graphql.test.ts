import { describe, expect, it } from "vitest";
import { execute, parse, specifiedRules, validate } from "graphql";
import { checkLimits } from "../../src/services/graphql/limits";
import { fieldResolver, schemaFor, typeResolver, type GraphqlContext } from "../../src/services/graphql/schema";

const LIMITS = { batch: 10, complexity: 250, depth: 3 };
const messages = (q: string, variables: Record<string, unknown> = {}) => checkLimits(parse(q), undefined, variables, LIMITS).map((e) => e.message);

describe("graphql: Appwrite's limits (graphql-php QueryDepth/QueryComplexity with Appwrite's settings)", () => {
  it("depth counts nested fields with selections below the root field, through fragments", () => {
    expect(messages("{ a { b { c { d } } } }")).toEqual([]); // depth 2
    expect(messages("{ a { b { c { d { e } } } } }")).toEqual([]); // depth 3
    expect(messages("{ a { b { c { d { e { f } } } } } }")).toEqual(["Max query depth should be 3 but got 4."]);
    expect(messages("query { a { ...F } } fragment F on X { b { c { d { e { f } } } } }")).toEqual(["Max query depth should be 3 but got 4."]);
    expect(messages("query { a { ... on X { b { c { d { e } } } } } }")).toEqual([]);
  });

  it("complexity: 1 + children per field; a list route costs children × its limit (25 by default)", () => {
    const list = (queries: string, fields: string) => `query($q: [String]) { tablesDBListRows(databaseId: "d", tableId: "t"${queries}) { ${fields} } }`;
    expect(messages(list("", "total rows { _id data _tableId _permissions _createdAt _updatedAt _sequence _databaseId }"))).toEqual([]); // (1 + 9) × 25 = 250: at the limit
    expect(messages(list("", "total rows { _id data _tableId _permissions _createdAt _updatedAt _sequence _databaseId again: _id }"))).toEqual(["Max query complexity should be 250 but got 275."]); // (1 + 10) × 25
    expect(messages(list(", queries: $q", "total"), { q: ['{"method":"limit","values":[250]}'] })).toEqual([]);
    expect(messages(list(", queries: $q", "total"), { q: ['{"method":"limit","values":[251]}'] })).toEqual(["Max query complexity should be 250 but got 251."]);
    expect(messages(list(', queries: ["{\\"method\\":\\"limit\\",\\"values\\":[1]}"]', "total rows { _id }"))).toEqual([]);
    // Not a list route: 1 + children, however wide.
    expect(messages(`{ ${Array.from({ length: 250 }, (_, i) => `a${i}: localeGet { ip }`).join(" ")} }`)).toEqual(["Max query complexity should be 250 but got 500."]);
  });
});

describe("graphql: schema cut per document", () => {
  it("holds only the named root fields and what they reach; introspection gets the whole schema", () => {
    const cut = schemaFor(parse("{ tablesDBListRows(databaseId: \"d\", tableId: \"t\") { total } }"));
    expect(Object.keys(cut.getQueryType()!.getFields())).toEqual(["tablesDBListRows"]);
    expect(cut.getMutationType()).toBeFalsy();
    expect(cut.getType("Row")).toBeTruthy();
    expect(cut.getType("User")).toBeFalsy();
    const unknown = validate(cut, parse("{ tablesDBListRows(databaseId: \"d\", tableId: \"t\") { nope } }"), specifiedRules);
    expect(unknown[0]!.message).toContain('Cannot query field "nope" on type "RowList"');
    const full = schemaFor(parse("{ __schema { types { name } } }"));
    expect(Object.keys(full.getQueryType()!.getFields()).length).toBeGreaterThan(150);
    expect(Object.keys(full.getMutationType()!.getFields())).toContain("tablesDBCreateRow");
    expect(schemaFor(parse("{ __schema { types { name } } }"))).toBe(full); // cached
  });

  it("resolves union members from type/format and serves `data`, `$` → `_`, as Appwrite's Mapper", async () => {
    const doc = parse(`{ tablesDBGetTable(databaseId: "d", tableId: "t") { _id columns { __typename ... on ColumnEmail { key format } ... on ColumnFloat { key } } } }`);
    const table = { _id: "t", columns: [{ key: "e", type: "string", format: "email" }, { key: "f", type: "double" }, { key: "s", type: "string", format: "" }] };
    const seen: unknown[] = [];
    const contextValue: GraphqlContext = { run: async (field, route, args) => (seen.push([field, route, { ...args }]), table) };
    const out = await execute({ schema: schemaFor(doc), document: doc, contextValue, fieldResolver, typeResolver });
    expect(out.errors).toBeUndefined();
    expect(out.data).toEqual({ tablesDBGetTable: { _id: "t", columns: [{ __typename: "ColumnEmail", key: "e", format: "email" }, { __typename: "ColumnFloat", key: "f" }, { __typename: "ColumnString" }] } });
    expect(seen).toEqual([["tablesDBGetTable", ["GET", "/v1/tablesdb/{databaseId}/tables/{tableId}"], { databaseId: "d", tableId: "t" }]]);
  });
});
