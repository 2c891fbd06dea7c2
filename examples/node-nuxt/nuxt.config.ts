// Nuxt with Nitro's default node-server preset: nuxt build writes a
// self-contained server in .output (server/index.mjs, the node_modules it
// traced, public/ with the browser assets).
export default defineNuxtConfig({
  compatibilityDate: '2026-11-01',
  telemetry: false,
  devtools: { enabled: false },
  css: ['~/assets/harbour.css'],
  // stylesheets as files under /_nuxt/ (browsers cache them) rather than
  // inlined into every page
  features: { inlineStyles: false },
})
