export type FieldError = { path: string; message: string };

type AppErrorOptions = { detail?: string; errors?: FieldError[]; headers?: Record<string, string> };

/** An error a client can act on: rendered as problem+json with a stable `code`. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, options: AppErrorOptions = {}) {
    super(options.detail ?? code);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

type SubclassArgs = [code?: string, options?: AppErrorOptions];

export class BadRequestError extends AppError {
  constructor(...[code = "bad_request", options]: SubclassArgs) {
    super(400, code, options);
  }
}

export class UnauthorizedError extends AppError {
  constructor(...[code = "unauthorized", options]: SubclassArgs) {
    super(401, code, {
      ...options,
      headers: { "www-authenticate": "Bearer", ...options?.headers },
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(...[code = "forbidden", options]: SubclassArgs) {
    super(403, code, options);
  }
}

export class NotFoundError extends AppError {
  constructor(...[code = "not_found", options]: SubclassArgs) {
    super(404, code, options);
  }
}

export class ConflictError extends AppError {
  constructor(...[code = "conflict", options]: SubclassArgs) {
    super(409, code, options);
  }
}

export class PreconditionFailedError extends AppError {
  constructor(...[code = "precondition_failed", options]: SubclassArgs) {
    super(412, code, options);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(...[code = "too_many_requests", options]: SubclassArgs) {
    super(429, code, options);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(...[code = "service_unavailable", options]: SubclassArgs) {
    super(503, code, options);
  }
}

/**
 * The `code`s along an error's cause chain: drivers put PostgreSQL's SQLSTATE on the error, and
 * Drizzle wraps it in its own, so callers look through the causes instead of at the top only.
 */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** A unique constraint refused the write (SQLSTATE 23505): repositories turn it into a 409. */
export function isUniqueViolation(error: unknown): boolean {
  return errorCodes(error).includes("23505");
}
