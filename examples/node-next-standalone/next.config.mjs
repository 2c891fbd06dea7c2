// output: "standalone" makes next build write .next/standalone/server.js with
// the node_modules it traced; slimfront ships that, .next/static and public/.
export default { output: 'standalone' };
