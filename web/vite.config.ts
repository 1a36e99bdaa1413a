import { defineConfig } from "vite";

// The dashboard is served by meshd under /ui/ and embedded with go:embed
// from control/ui/dist, which is committed so `go build` needs no npm.
export default defineConfig({
  base: "/ui/",
  build: {
    outDir: "../control/ui/dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
