import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";
import remixConfig from "./remix.config.js";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  plugins: [remix(remixConfig), tsconfigPaths()],
  build: {
    assetsInlineLimit: 0,
    // papaparse (CommonJS) would otherwise count as having side effects and ride along into the
    // office pages that import ~/domain/campaigns for its rules, though only the link CSV uses it.
    rollupOptions: { treeshake: { moduleSideEffects: (id) => !id.includes("/node_modules/papaparse/") } },
  },
});
