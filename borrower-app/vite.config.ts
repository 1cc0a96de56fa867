// The borrowers' app, built into ../static/app/ (committed: `make run` serves it with Python
// alone; scripts/test.sh rebuilds it and fails when the bundle differs). Deterministic:
// content-hashed names, no source maps, no build time in the output.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/static/app/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact", legalComments: "none" },
  build: {
    outDir: "../static/app",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2020",
    modulePreload: { polyfill: false },
    rollupOptions: {
      output: {
        entryFileNames: "assets/[name]-[hash].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: "assets/[name]-[hash][extname]",
      },
    },
  },
});
