// The web client's files, imported `with { type: "file" }` so the compiled binary carries them.
declare module "htmx.org/dist/*" {
  const path: string;
  export default path;
}
declare module "*.css" {
  const path: string;
  export default path;
}
