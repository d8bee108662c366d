// sucrase ships the parser's types under dist/types; its JS lives at dist/parser (no "exports" map).
declare module "sucrase/dist/parser" {
  export * from "sucrase/dist/types/parser/index";
}
declare module "sucrase/dist/parser/tokenizer/types" {
  export * from "sucrase/dist/types/parser/tokenizer/types";
}
