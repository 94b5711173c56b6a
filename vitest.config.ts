import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Integration tests spawn processes and open SQLite files: keep them isolated per file.
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
