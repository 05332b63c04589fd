// The lines `gen` adds to the shared files. Each section goes above its marker line (indented
// like it); imports go after the file's last import and the formatter sorts them in. Modules with
// an owner also add their part of the owner's data export and account deletion. The GraphQL
// sections add the module's part of the schema and its service to the GraphQL context.

// gen:section deps-imports
import { create__Names__Repository } from "./modules/__module__/__module__.repository.ts";
import { create__Names__Service } from "./modules/__module__/__module__.service.ts";

// gen:section services (src/deps.ts, above `// gen:services`)
const __names__ = create__Names__Service({ db, __names__Repository: create__Names__Repository(db), clock });

// gen:section deps (src/deps.ts, in the returned object, above `// gen:deps`)
__names__,

// gen:section app-imports
import { __names__Routes } from "./modules/__module__/__module__.routes.ts";

// gen:section routes (src/app.ts, above `// gen:routes`)
await app.register(__names__Routes, { __names__: deps.__names__ });

// gen:section export-sections (src/deps.ts, in the data export's sections, above `// gen:export-sections`)
// gen:if owned
{ name: "__names__", kind: "list", rows: (id) => __names__.exportRows(id) },
// gen:end

// gen:section deletion-steps (src/deps.ts, in account deletion's steps, above `// gen:deletion-steps`)
// gen:if owned
{ name: "__names__", run: (id) => __names__.removeAllByOwner(id) },
// gen:end

// gen:section graphql-imports
import { __names__Graphql } from "../modules/__module__/__module__.graphql.ts";

// gen:section graphql-modules (src/graphql/schema.ts, in the list of parts, above `// gen:graphql-modules`)
__names__Graphql,

// gen:section graphql-service-imports
import type { __Names__Service } from "../modules/__module__/__module__.service.ts";

// gen:section graphql-service-type (src/graphql/resolvers.ts, in GraphqlServices, above `// gen:graphql-services`)
__names__: __Names__Service;

// gen:section graphql-services (src/app.ts, in graphqlRoutes' options, above `// gen:graphql-services`)
__names__: deps.__names__,
