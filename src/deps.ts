import type { Config } from "./config.ts";
import { type Database, openDatabase, type Tx } from "./db/client.ts";
import { pendingMigrations, pendingMigrationsMessage } from "./db/migrate.ts";
import type { CleanupStep } from "./jobs/cleanup.ts";
import type { AnyJob } from "./jobs/define.ts";
import { createJobSystem } from "./jobs/system.ts";
import { type Clock, systemClock } from "./lib/clock.ts";
import { developmentJwtSecret } from "./lib/dev-secret.ts";
import { createLogger, type Logger } from "./lib/logger.ts";
import { createMetrics } from "./lib/metrics.ts";
import { createDummyHash, createPasswordHasher, type PasswordHasher } from "./lib/passwords.ts";
import { closeRedis, createRedis, pingRedis } from "./lib/redis.ts";
import { createLocalStorage, createS3Storage, tracedStorage } from "./lib/storage.ts";
import { startTracing } from "./lib/tracing.ts";
import type { Tracing } from "./lib/tracing.types.ts";
import { createAccountDeletionService } from "./modules/account-deletion/account-deletion.service.ts";
import { createAuditRepository } from "./modules/audit/audit.repository.ts";
import { createAuditService } from "./modules/audit/audit.service.ts";
import { type AuthMailer, authMailTemplates } from "./modules/auth/auth.mail.ts";
import { createAuthService } from "./modules/auth/auth.service.ts";
import { createDeviceTokens } from "./modules/auth/device-tokens.ts";
import { emailChangeMailTemplates } from "./modules/auth/email-change.mail.ts";
import { createEmailChangeService } from "./modules/auth/email-change.service.ts";
import { createEmailChangesRepository } from "./modules/auth/email-changes.repository.ts";
import { createIdentitiesRepository } from "./modules/auth/identities.repository.ts";
import { createIdentitiesService } from "./modules/auth/identities.service.ts";
import { createIdentityProviders } from "./modules/auth/identity-providers.ts";
import { createMfaRepository } from "./modules/auth/mfa.repository.ts";
import { createMfaService } from "./modules/auth/mfa.service.ts";
import { noticeMailTemplates } from "./modules/auth/notices.mail.ts";
import { createNoticesService } from "./modules/auth/notices.service.ts";
import { createPasskeysRepository } from "./modules/auth/passkeys.repository.ts";
import { createPasskeysService } from "./modules/auth/passkeys.service.ts";
import { createProviderSignInService } from "./modules/auth/provider-sign-in.service.ts";
import { createRecoveryService } from "./modules/auth/recovery.service.ts";
import { createSessionsRepository } from "./modules/auth/sessions.repository.ts";
import { createSessionsService } from "./modules/auth/sessions.service.ts";
import { createAccessTokens } from "./modules/auth/tokens.ts";
import { createSecretBox } from "./modules/auth/totp.ts";
import { createUserTokensRepository } from "./modules/auth/user-tokens.repository.ts";
import { createExportsRepository } from "./modules/exports/exports.repository.ts";
import { createExportsService } from "./modules/exports/exports.service.ts";
import { createFavoritesRepository } from "./modules/favorites/favorites.repository.ts";
import { createFavoritesService } from "./modules/favorites/favorites.service.ts";
import { createHealthService, schemaCheck } from "./modules/health/health.service.ts";
import { createMailRepository } from "./modules/mail/mail.repository.ts";
import { createMailer } from "./modules/mail/mail.service.ts";
import { createMailTemplates } from "./modules/mail/mail.templates.ts";
import { createSmtpTransport, tracedSmtp } from "./modules/mail/mail.transport.ts";
import { createRatingsRepository } from "./modules/ratings/ratings.repository.ts";
import { createRatingsService } from "./modules/ratings/ratings.service.ts";
import { createRecipesRepository } from "./modules/recipes/recipes.repository.ts";
import { createRecipesService } from "./modules/recipes/recipes.service.ts";
import { createRecipesAccountService } from "./modules/recipes/recipes-account.service.ts";
import { createShoppingListsService } from "./modules/shopping-lists/shopping-lists.service.ts";
import { createTagsRepository } from "./modules/tags/tags.repository.ts";
import { createTagsService } from "./modules/tags/tags.service.ts";
import { createAdminUsersService } from "./modules/users/admin-users.service.ts";
import { createUsersRepository } from "./modules/users/users.repository.ts";
import { createUsersService } from "./modules/users/users.service.ts";
import { createUsersAccountService } from "./modules/users/users-account.service.ts";

export type DepsOverrides = {
  logger?: Logger;
  /** A database owned by the caller (tests share one per worker); it is not closed by close(). */
  database?: Database;
  clock?: Clock;
  /** Jobs beyond the registry's (tests); they run like any other and are sent with sendUntyped. */
  jobs?: readonly AnyJob[];
  /** The password hasher (tests spy on it, or use cheaper parameters). */
  hasher?: PasswordHasher;
  /** Tracing owned by the caller (tests read its spans); it is not shut down by close(). */
  tracing?: Tracing;
};

function developmentKey(config: Config, logger: Logger): string {
  const { secret, path } = developmentJwtSecret(config.dataDir);
  logger.warn(`JWT_SECRET is not set: signing tokens with the development key kept in ${path}`);
  return secret;
}

/** The composition root: the only place that wires things together. */
export async function createDeps(config: Config, overrides: DepsOverrides = {}) {
  const tracing = overrides.tracing ?? (await startTracing(config.tracing));
  const logger =
    overrides.logger ?? createLogger(config, tracing.enabled ? tracing.logFields : undefined);
  const database = overrides.database ?? (await openDatabase({ ...config, tracer: tracing }));
  const ownsDatabase = overrides.database === undefined;
  const clock = overrides.clock ?? systemClock;
  const metrics = createMetrics();
  const lifecycle = { shuttingDown: false };

  // Modules add their templates here (mailTemplates.add(...)) and their hourly cleanup steps.
  const mailTemplates = createMailTemplates();
  const smtp = config.mail.smtpUrl
    ? tracedSmtp(await createSmtpTransport(config.mail.smtpUrl), tracing)
    : undefined;
  const mailer = createMailer({
    db: database.db,
    mailRepository: createMailRepository(database.db),
    templates: mailTemplates,
    smtp,
    from: config.mail.from,
  });
  const cleanupSteps: CleanupStep[] = [{ name: "mail", run: (now) => mailer.cleanup(now) }];
  const jobSystem = await createJobSystem({
    config,
    database,
    logger,
    metrics,
    clock,
    tracing,
    extraJobs: overrides.jobs,
    checks: { "mail.send": (payload) => mailer.check(payload) },
  });

  const db = database.db;
  const recipesRepository = createRecipesRepository(db);
  const recipes = createRecipesService({ db, recipesRepository, clock });
  const ratings = createRatingsService({
    db,
    ratingsRepository: createRatingsRepository(db),
    clock,
  });
  const favorites = createFavoritesService({
    favoritesRepository: createFavoritesRepository(db),
    recipes,
    clock,
  });
  const shoppingLists = createShoppingListsService({ recipes });
  const tags = createTagsService({ tagsRepository: createTagsRepository(db) });
  // gen:services (`npm run gen` adds module services above this line)

  const jwt = { ...config.jwt, secret: config.jwt.secret ?? developmentKey(config, logger) };
  const redis = config.redisUrl ? await createRedis(config.redisUrl, logger) : undefined;
  const hasher =
    overrides.hasher ??
    createPasswordHasher(undefined, { concurrency: config.passwordHashConcurrency });
  const usersRepository = createUsersRepository(db);
  const audit = createAuditService({
    auditRepository: createAuditRepository(db),
    clock,
    logger,
    // Failed logins keep a keyed hash of the email tried, not the email.
    pseudonymSecret: jwt.secret,
  });
  const users = createUsersService({
    db,
    usersRepository,
    hasher,
    dummyHash: createDummyHash(hasher),
    clock,
  });
  const sessions = createSessionsService({
    db,
    sessionsRepository: createSessionsRepository(db),
    accessTokens: createAccessTokens(jwt, clock),
    audit,
    clock,
  });
  const adminUsers = createAdminUsersService({ db, usersRepository, sessions, audit, clock });
  mailTemplates.add(...authMailTemplates, ...noticeMailTemplates, ...emailChangeMailTemplates);
  // Jobs carry ids: the link job issues the token and sends the mail in the worker.
  const authMailer: AuthMailer = {
    async enqueue(job, tx) {
      await jobSystem.queue.send("auth.send-link", job, { tx: tx as Tx });
    },
    async enqueueEmailChange(job, tx) {
      await jobSystem.queue.send("auth.email-change-link", job, { tx: tx as Tx });
    },
    async notify(job, tx) {
      await jobSystem.queue.send("auth.notify", job, { tx: tx as Tx });
    },
    deliverOnce: (key, compose) => mailer.deliverOnce(key, compose),
  };
  const userTokensRepository = createUserTokensRepository(db);
  const recovery = createRecoveryService({
    db,
    users,
    sessions,
    userTokensRepository,
    mailer: authMailer,
    audit,
    clock,
    appUrl: config.appUrl,
  });
  const deviceTokens = createDeviceTokens(jwt, clock);
  const passkeys = createPasskeysService({
    db,
    users,
    passkeysRepository: createPasskeysRepository(db),
    audit,
    mailer: authMailer,
    clock,
    webauthn: config.webauthn,
  });
  const mfa = createMfaService({
    db,
    mfaRepository: createMfaRepository(db),
    users,
    sessions,
    audit,
    mailer: authMailer,
    box: createSecretBox(jwt),
    clock,
    issuer: config.totpIssuer,
    passkeys,
  });
  const auth = createAuthService({
    db,
    users,
    sessions,
    recovery,
    mfa,
    passkeys,
    audit,
    deviceTokens,
    mailer: authMailer,
    clock,
  });
  const notices = createNoticesService({ users, sessions, mailer: authMailer });
  const emailChange = createEmailChangeService({
    db,
    users,
    sessions,
    userTokensRepository,
    emailChangesRepository: createEmailChangesRepository(db),
    mailer: authMailer,
    audit,
    clock,
    appUrl: config.appUrl,
  });
  const identityProviders = createIdentityProviders(config.identityProviders);
  const identitiesRepository = createIdentitiesRepository(db);
  const identities = createIdentitiesService({
    db,
    identitiesRepository,
    audit,
    mailer: authMailer,
    clock,
    providerName: (id) => identityProviders.get(id)?.name ?? id,
  });
  const providerSignIn = createProviderSignInService({
    db,
    providers: identityProviders,
    flows: identitiesRepository,
    identities,
    users,
    auth,
    recovery,
    audit,
    clock,
    urls: config.identityProviders,
  });
  const usersAccount = createUsersAccountService({ db, usersRepository, sessions, audit, clock });
  const recipesAccount = createRecipesAccountService({ db, recipesRepository });

  const storage = tracedStorage(
    config.storage.s3
      ? await createS3Storage(config.storage.s3)
      : createLocalStorage(config.storage.dir),
    config.storage.s3 ? "s3" : "local",
    tracing,
  );
  // An export holds what each module owns of the account; each module streams its own part.
  const exports = createExportsService({
    db,
    exportsRepository: createExportsRepository(db),
    queue: jobSystem.queue,
    storage,
    clock,
    sections: [
      { name: "profile", kind: "object", read: (id) => usersAccount.exportProfile(id) },
      { name: "recipes", kind: "list", rows: (id) => recipesAccount.exportRows(id) },
      { name: "favorites", kind: "list", rows: (id) => favorites.exportRows(id) },
      { name: "ratings", kind: "list", rows: (id) => ratings.exportRows(id) },
      { name: "sessions", kind: "list", rows: (id) => sessions.exportRows(id) },
      { name: "passkeys", kind: "list", rows: (id) => passkeys.exportRows(id) },
      { name: "identities", kind: "list", rows: (id) => identities.exportRows(id) },
      // gen:export-sections (`npm run gen` adds the sections of owned modules above this line)
    ],
  });
  // Ratings go first so the averages of the recipes they rated are recomputed; recipes before
  // the user row so tag counts stay exact; exports before it so their files are removed.
  const accountDeletion = createAccountDeletionService({
    db,
    logger,
    audit,
    queue: jobSystem.queue,
    users: {
      ...usersAccount,
      verifyPassword: (id, password) => users.verifyPassword(id, password),
    },
    steps: [
      { name: "ratings", run: (id) => ratings.removeAllByUser(id) },
      { name: "favorites", run: (id) => favorites.removeAllByUser(id) },
      // gen:deletion-steps (owned modules' steps go here, before recipes cascade into their rows)
      { name: "recipes", run: (id) => recipesAccount.removeAllByAuthor(id) },
      { name: "exports", run: (id) => exports.removeAllForUser(id) },
      { name: "sessions", run: (id) => sessions.removeAllForUser(id) },
      {
        name: "email_changes",
        run: (id) => emailChange.removeAllForUser(id, (address) => mailer.removeAllTo(address)),
      },
      { name: "mail", run: async (id) => mailer.removeAllTo((await users.findById(id))?.email) },
    ],
  });
  cleanupSteps.push(
    { name: "sessions", run: (now) => sessions.purgeExpired(now) },
    { name: "user_tokens", run: (now) => userTokensRepository.purgeExpired(now) },
    { name: "mfa", run: (now) => mfa.purgeExpired(now) },
    { name: "email_changes", run: (now) => emailChange.purgeExpired(now) },
    { name: "webauthn_challenges", run: (now) => passkeys.purgeExpired(now) },
    { name: "identity_flows", run: (now) => providerSignIn.purgeExpired(now) },
    { name: "exports", run: (now) => exports.removeExpired(now) },
  );

  const health = createHealthService({
    lifecycle,
    warnings: () => jobSystem.backlogWarnings(),
    checks: {
      database: () => database.ping(),
      schema: schemaCheck(() => pendingMigrations(database), pendingMigrationsMessage),
      queue: () => jobSystem.health(),
      ...(redis ? { redis: () => pingRedis(redis) } : {}),
    },
  });

  return {
    config,
    tracing,
    /** The signing settings in force: JWT_SECRET, or the embedded database's development key. */
    jwt,
    logger,
    database,
    db: database.db,
    clock,
    metrics,
    lifecycle,
    health,
    recipes,
    recipesAccount,
    ratings,
    favorites,
    shoppingLists,
    tags,
    // gen:deps
    queue: jobSystem.queue,
    worker: jobSystem.worker,
    mailer,
    mailTemplates,
    cleanupSteps,
    redis,
    hasher,
    audit,
    users,
    adminUsers,
    sessions,
    notices,
    emailChange,
    passkeys,
    identities,
    providerSignIn,
    recovery,
    mfa,
    auth,
    usersAccount,
    storage,
    exports,
    accountDeletion,
    async close() {
      // The worker drains before the database goes: running jobs still need it.
      await jobSystem.close(config.shutdownTimeoutMs);
      smtp?.close();
      if (redis) await closeRedis(redis);
      if (ownsDatabase) await database.close();
      // Last, so the spans of the drain are exported too.
      if (!overrides.tracing) await tracing.shutdown();
    },
  };
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
