// Files the compiled binary carries inside itself (imported `with { type: "file" }` or `"text"`).
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.wasm" {
  const path: string;
  export default path;
}
declare module "*.data" {
  const path: string;
  export default path;
}
