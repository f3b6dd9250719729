// The part of @kubernetes/client-node the gate uses at run time, and all of it that dist/ ships.
// scripts/package.mjs bundles this file alone with esbuild into dist/client-node.js, tree-shaken: the package's
// index re-exports every generated API group, which ncc (webpack, no tree-shaking of a package without
// "sideEffects": false) bundled whole, a 4.1 MB chunk whose parsing was the largest part of the time from the
// start to the first API request. cluster.ts types the module as this file, so using a name not exported here
// fails the type check rather than at run time in dist/.
export { CoreV1Api, KubeConfig, KubernetesObjectApi, Watch } from "@kubernetes/client-node";
