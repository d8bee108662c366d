import type { ErrorType } from "../../core/errors";

type Scopes = [string, ...string[]];

/**
 * TablesDB and the legacy Databases API are one service with two vocabularies. Every route, model
 * and error goes through a Flavor so the same logic serves `/v1/tablesdb/…/tables/…/rows` and
 * `/v1/databases/…/collections/…/documents`.
 */
export interface Flavor {
  legacy: boolean;
  tables: "tables" | "collections";
  rows: "rows" | "documents";
  columns: "columns" | "attributes";
  tableParam: "tableId" | "collectionId";
  rowParam: "rowId" | "documentId";
  columnParam: "column" | "attribute";
  /** `$tableId` / `$collectionId` on rows. */
  tableKey: "$tableId" | "$collectionId";
  /** `rowSecurity` / `documentSecurity` on tables. */
  security: "rowSecurity" | "documentSecurity";
  /** ColumnIndex `columns` / Index `attributes`. */
  indexColumns: "columns" | "attributes";
  /** Related table key on relationship columns. */
  relatedKey: "relatedTable" | "relatedCollection";
  /** Words used in messages. */
  word: { table: string; row: string; column: string; Row: string; Column: string };
  /** Each route's scopes exactly as Appwrite labels it (any one admits; the error names them in this order). */
  scope: Record<"tablesRead" | "tablesWrite" | "columnsRead" | "columnsWrite" | "indexesRead" | "indexesWrite" | "rowsRead" | "rowsWrite" | "transactionsRead" | "transactionsWrite", Scopes>;
  err: {
    tableNotFound: ErrorType; tableExists: ErrorType;
    rowNotFound: ErrorType; rowExists: ErrorType; rowInvalid: ErrorType; rowMissingData: ErrorType; rowMissingPayload: ErrorType;
    rowUnique: ErrorType; rowDeleteRestricted: ErrorType; rowConflict: ErrorType;
    columnNotFound: ErrorType; columnExists: ErrorType; columnValueInvalid: ErrorType; columnDefaultUnsupported: ErrorType;
    columnLimit: ErrorType; columnInvalidResize: ErrorType; columnTypeInvalid: ErrorType; columnNotAvailable: ErrorType;
    columnUnknown: ErrorType; columnFormatUnsupported: ErrorType;
    indexNotFound: ErrorType; indexExists: ErrorType; indexInvalid: ErrorType; indexLimit: ErrorType; indexDependency: ErrorType;
  };
}

export const TABLES: Flavor = {
  legacy: false,
  tables: "tables",
  rows: "rows",
  columns: "columns",
  tableParam: "tableId",
  rowParam: "rowId",
  columnParam: "column",
  tableKey: "$tableId",
  security: "rowSecurity",
  indexColumns: "columns",
  relatedKey: "relatedTable",
  word: { table: "table", row: "row", column: "column", Row: "Row", Column: "Column" },
  scope: {
    tablesRead: ["tables.read", "collections.read"],
    tablesWrite: ["tables.write", "collections.write"],
    columnsRead: ["tables.read", "collections.read", "columns.read", "attributes.read"],
    columnsWrite: ["tables.write", "collections.write", "columns.write", "attributes.write"],
    indexesRead: ["tables.read", "collections.read", "indexes.read"],
    indexesWrite: ["tables.write", "collections.write", "indexes.write"],
    rowsRead: ["rows.read", "documents.read"],
    rowsWrite: ["rows.write", "documents.write"],
    transactionsRead: ["documents.read", "rows.read"],
    transactionsWrite: ["documents.write", "rows.write"],
  },
  err: {
    tableNotFound: "table_not_found", tableExists: "table_already_exists",
    rowNotFound: "row_not_found", rowExists: "row_already_exists", rowInvalid: "row_invalid_structure", rowMissingData: "row_missing_data",
    rowMissingPayload: "row_missing_payload", rowUnique: "row_unique_constraint_violation", rowDeleteRestricted: "row_delete_restricted",
    rowConflict: "row_update_conflict",
    columnNotFound: "column_not_found", columnExists: "column_already_exists", columnValueInvalid: "column_value_invalid",
    columnDefaultUnsupported: "column_default_unsupported", columnLimit: "column_limit_exceeded", columnInvalidResize: "column_invalid_resize",
    columnTypeInvalid: "column_type_invalid", columnNotAvailable: "column_not_available", columnUnknown: "column_unknown",
    columnFormatUnsupported: "column_format_unsupported",
    indexNotFound: "column_index_not_found", indexExists: "column_index_already_exists", indexInvalid: "column_index_invalid",
    indexLimit: "column_index_limit_exceeded", indexDependency: "column_index_dependency",
  },
};

export const COLLECTIONS: Flavor = {
  legacy: true,
  tables: "collections",
  rows: "documents",
  columns: "attributes",
  tableParam: "collectionId",
  rowParam: "documentId",
  columnParam: "attribute",
  tableKey: "$collectionId",
  security: "documentSecurity",
  indexColumns: "attributes",
  relatedKey: "relatedCollection",
  word: { table: "collection", row: "document", column: "attribute", Row: "Document", Column: "Attribute" },
  // Appwrite 1.9.6 labels attributes and indexes with the collection scopes, and legacy transactions oddly.
  scope: {
    tablesRead: ["collections.read"],
    tablesWrite: ["collections.write"],
    columnsRead: ["collections.read"],
    columnsWrite: ["collections.write"],
    indexesRead: ["collections.read"],
    indexesWrite: ["collections.write"],
    rowsRead: ["documents.read"],
    rowsWrite: ["documents.write"],
    transactionsRead: ["rows.read"],
    transactionsWrite: ["documents.write"],
  },
  err: {
    tableNotFound: "collection_not_found", tableExists: "collection_already_exists",
    rowNotFound: "document_not_found", rowExists: "document_already_exists", rowInvalid: "document_invalid_structure", rowMissingData: "document_missing_data",
    rowMissingPayload: "document_missing_payload", rowUnique: "document_unique_constraint_violation", rowDeleteRestricted: "document_delete_restricted",
    rowConflict: "document_update_conflict",
    columnNotFound: "attribute_not_found", columnExists: "attribute_already_exists", columnValueInvalid: "attribute_value_invalid",
    columnDefaultUnsupported: "attribute_default_unsupported", columnLimit: "attribute_limit_exceeded", columnInvalidResize: "attribute_invalid_resize",
    columnTypeInvalid: "attribute_type_invalid", columnNotAvailable: "attribute_not_available", columnUnknown: "attribute_unknown",
    columnFormatUnsupported: "attribute_format_unsupported",
    indexNotFound: "index_not_found", indexExists: "index_already_exists", indexInvalid: "index_invalid",
    indexLimit: "index_limit_exceeded", indexDependency: "index_dependency",
  },
};
