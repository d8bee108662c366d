import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from "graphql";
import { catalogue } from "./catalogue";

/**
 * Appwrite's abuse limits (graphql-php's QueryDepth and QueryComplexity rules with Appwrite's settings):
 * `_APP_GRAPHQL_MAX_DEPTH` 3, `_APP_GRAPHQL_MAX_COMPLEXITY` 250, `_APP_GRAPHQL_MAX_BATCH_SIZE` 10.
 * Depth counts nested fields that have selections below the root field (root field 0). Complexity: a field
 * costs 1 + its children; a list route (one with `queries`) costs its children × the query's limit (25 by
 * default), so wide pages of deep selections are refused before any route runs.
 */
export interface Limits { batch: number; complexity: number; depth: number }

export function limitsOf(env: Record<string, unknown>): Limits {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name]);
    return Number.isInteger(v) && v > 0 ? v : fallback;
  };
  return { batch: n("_APP_GRAPHQL_MAX_BATCH_SIZE", 10), complexity: n("_APP_GRAPHQL_MAX_COMPLEXITY", 250), depth: n("_APP_GRAPHQL_MAX_DEPTH", 3) };
}

/** APP_LIMIT_LIST_DEFAULT. */
const LIST_DEFAULT = 25;

export function checkLimits(doc: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, limits: Limits): GraphQLError[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const op = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!op) return [];
  const errors: GraphQLError[] = [];
  const seen = new Set<string>(); // fragment cycles are refused by validation; this only bounds the walk

  const depthOf = (set: SelectionSetNode, depth: number, max: number): number => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.selectionSet) max = depthOf(s.selectionSet, depth + 1, Math.max(max, depth));
      } else {
        const target = s.kind === Kind.INLINE_FRAGMENT ? s : fragments.get(s.name.value);
        if (target && !(s.kind === Kind.FRAGMENT_SPREAD && seen.has(s.name.value))) {
          if (s.kind === Kind.FRAGMENT_SPREAD) seen.add(s.name.value);
          max = depthOf(target.selectionSet, depth, max);
          if (s.kind === Kind.FRAGMENT_SPREAD) seen.delete(s.name.value);
        }
      }
    }
    return max;
  };
  const depth = depthOf(op.selectionSet, 0, 0);
  if (depth > limits.depth) errors.push(new GraphQLError(`Max query depth should be ${limits.depth} but got ${depth}.`));

  const cost = (set: SelectionSetNode, root: boolean, stack: string[]): number => {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const children = s.selectionSet ? cost(s.selectionSet, false, stack) : 0;
        total += root && catalogue().listFields.has(s.name.value) ? children * limitArg(s.arguments?.find((a) => a.name.value === "queries")?.value, variables) : children + 1;
      } else {
        const target = s.kind === Kind.INLINE_FRAGMENT ? s : fragments.get(s.name.value);
        if (target && !(s.kind === Kind.FRAGMENT_SPREAD && stack.includes(s.name.value))) {
          total += cost(target.selectionSet, root, s.kind === Kind.FRAGMENT_SPREAD ? [...stack, s.name.value] : stack);
        }
      }
    }
    return total;
  };
  const complexity = cost(op.selectionSet, true, []);
  if (complexity > limits.complexity) errors.push(new GraphQLError(`Max query complexity should be ${limits.complexity} but got ${complexity}.`));
  return errors;
}

/** The `limit` of a `queries` argument (literal or variable), as Appwrite's complexity function reads it. */
function limitArg(node: ValueNode | undefined, variables: Record<string, unknown>): number {
  let list: unknown[] = [];
  if (node?.kind === Kind.VARIABLE) {
    const v = variables[node.name.value];
    list = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  } else if (node?.kind === Kind.LIST) {
    list = node.values.map((v) => (v.kind === Kind.STRING ? v.value : v.kind === Kind.VARIABLE ? variables[v.name.value] : null));
  } else if (node?.kind === Kind.STRING) list = [node.value];
  for (const q of list) {
    if (typeof q !== "string") continue;
    try {
      const parsed = JSON.parse(q) as { method?: unknown; values?: unknown };
      const n = Array.isArray(parsed.values) ? Number(parsed.values[0]) : NaN;
      if (parsed.method === "limit" && Number.isInteger(n) && n >= 0) return n;
    } catch {
      // not a query: the route refuses it
    }
  }
  return LIST_DEFAULT;
}

