/** Layer rules from DESIGN.md: routes → service → repository → tables. */
module.exports = {
  forbidden: [
    {
      name: "routes-not-to-data",
      comment: "Routes call services; they never touch repositories, tables or Drizzle.",
      severity: "error",
      from: { path: "\\.routes\\.ts$" },
      to: {
        path: ["\\.repository\\.ts$", "\\.table\\.ts$", "^src/db/", "node_modules/drizzle-orm"],
      },
    },
    {
      name: "graphql-not-to-data",
      comment: "GraphQL is a second router: resolvers call services, never repositories or tables.",
      severity: "error",
      // A module's part (<module>.graphql.ts) too. Tests may read tables to prove a refused
      // mutation changed nothing.
      from: { path: ["^src/graphql/", "\\.graphql\\.ts$"], pathNot: "\\.test\\.ts$" },
      to: {
        path: ["\\.repository\\.ts$", "\\.table\\.ts$", "^src/db/", "node_modules/drizzle-orm"],
      },
    },
    {
      name: "services-not-to-http",
      comment: "Services are plain orchestration: no Fastify, no routes.",
      severity: "error",
      from: { path: "\\.service\\.ts$" },
      to: { path: ["node_modules/fastify", "node_modules/@fastify", "\\.routes\\.ts$"] },
    },
    {
      name: "repositories-not-up",
      comment: "Repositories never import services or routes.",
      severity: "error",
      from: { path: "\\.repository\\.ts$" },
      to: { path: ["\\.service\\.ts$", "\\.routes\\.ts$", "node_modules/fastify"] },
    },
    {
      name: "modules-through-services",
      comment: "A module uses another module through its service, never its repository.",
      severity: "error",
      from: { path: "^src/modules/([^/]+)/" },
      to: { path: "^src/modules/([^/]+)/[^/]+\\.repository\\.ts$", pathNot: "^src/modules/$1/" },
    },
    {
      name: "no-test-imports",
      comment: "Nothing imports a test.",
      severity: "error",
      from: { pathNot: "\\.test\\.ts$" },
      to: { path: "\\.test\\.ts$" },
    },
    {
      name: "src-not-to-test-helpers",
      comment: "Production code never depends on test helpers.",
      severity: "error",
      from: { path: "^src/", pathNot: "\\.test\\.ts$" },
      to: { path: "^test/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { pathNot: "\\.table\\.ts$" } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
