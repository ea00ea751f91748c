// Dependencies point one way (docs/development.md, "Layout"):
//   pure domain ← catalog reads ← Durable Object + its contract ← session client ← HTTP modules ← app
//   src/replication (message contract, producer, queue consumer) sits beside the catalog reads: the
//   Durable Object produces with it, the entry point consumes with it, and it knows neither.
//   src/client (crosscart/client, the storefront client) stands outside them all: it takes only TYPES
//   from the server (its contract is the app's zod schemas), and no server code imports it.
// `npm run lint` fails when an import points back. src/lib and src/db are shared infrastructure
// below all of these (they import none of them).
const layer = {
  domain: "^src/domain/",
  catalog: "^src/catalog/",
  replication: "^src/replication/",
  durableObject: "^durable-objects/",
  contract: "^durable-objects/contract\\.ts$",
  sessionClient: "^src/session-client/",
  http: "^src/(modules|middleware)/",
  jobs: "^src/jobs/",
  app: "^src/(app|index)\\.ts$",
  client: "^src/client/",
};

const forbid = (name, comment, from, to) => ({ name, comment, severity: "error", from: { path: from }, to });

module.exports = {
  forbidden: [
    forbid("domain-is-pure", "src/domain is plain functions over plain data: it imports only itself.", layer.domain, {
      pathNot: layer.domain,
    }),
    forbid("infrastructure-imports-no-feature", "src/lib and src/db sit below every layer.", "^src/(lib|db)/", {
      path: [
        layer.catalog,
        layer.replication,
        layer.durableObject,
        layer.sessionClient,
        "^src/(modules|jobs)/",
        layer.app,
      ],
    }),
    forbid(
      "replication-below-sessions",
      "The replication contract, producer and consumer know Postgres and Queues, never sessions, HTTP or jobs.",
      layer.replication,
      { path: [layer.catalog, layer.durableObject, layer.sessionClient, layer.http, layer.jobs, layer.app] },
    ),
    forbid("catalog-below-sessions", "Catalog reads know nothing of sessions or HTTP.", layer.catalog, {
      path: [layer.durableObject, layer.sessionClient, layer.http, layer.jobs, layer.app],
    }),
    forbid(
      "durable-object-below-routes",
      "The Durable Object knows nothing of the code that calls it.",
      layer.durableObject,
      {
        path: [layer.sessionClient, layer.http, layer.jobs, layer.app],
      },
    ),
    forbid(
      "session-client-sees-only-the-contract",
      "The session client types its stubs with the contract, never the class or its parts.",
      layer.sessionClient,
      { path: layer.durableObject, pathNot: layer.contract },
    ),
    forbid(
      "session-client-below-routes",
      "The session client knows nothing of HTTP modules or jobs.",
      layer.sessionClient,
      {
        path: [layer.http, layer.jobs, layer.app],
      },
    ),
    forbid(
      "callers-see-only-the-contract",
      "Routes and jobs reach a session through src/session-client and the contract, never the class or its parts.",
      "^src/(modules|middleware|jobs|lib|db|catalog|replication|domain|session-client)/",
      { path: layer.durableObject, pathNot: layer.contract },
    ),
    forbid("nothing-imports-the-app", "Only the entry point composes the app.", "^(src|durable-objects)/", {
      path: layer.app,
      pathNot: "^src/app\\.ts$",
    }),
    {
      name: "server-never-imports-the-client",
      comment: "src/client is for storefronts; the Worker and its Durable Object never run it.",
      severity: "error",
      from: { path: "^(src|durable-objects)/", pathNot: layer.client },
      to: { path: layer.client },
    },
    forbid(
      "client-imports-server-only-as-types",
      "The client runs in browsers: from the server it takes types (erased at build), never code.",
      layer.client,
      { path: "^(src|durable-objects)/", pathNot: layer.client, dependencyTypesNot: ["type-only"] },
    ),
    forbid(
      "client-has-no-runtime-dependencies",
      "The client's bundle is its own code only (zod and the like come in as types).",
      layer.client,
      { path: "node_modules", dependencyTypesNot: ["type-only"] },
    ),
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A cycle means two files are one responsibility, or a dependency points back. Type-only cycles through " +
        "src/types.ts (Hono's AppEnv naming what middleware sets) erase at compile time and are allowed.",
      from: { path: "^(src|durable-objects)/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(test|scripts|node_modules)/" },
  },
};
