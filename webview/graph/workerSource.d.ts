/** The layout worker's bundled code, as text (scripts/bundle.js builds it first and provides it under this name). */
declare module 'graph-layout-worker-source' {
  const source: string;
  export default source;
}
