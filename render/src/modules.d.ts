declare module "*.svg" {
  const text: string;
  export default text;
}
declare module "*.woff" {
  const bytes: ArrayBuffer;
  export default bytes;
}
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
