export type FieldError = { path: string; message: string };

type AppErrorOptions = { detail?: string; errors?: FieldError[]; headers?: Record<string, string> };

/** An error a client can act on: rendered as problem+json with a stable `code`. */
export class AppError extends Error {
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    options: AppErrorOptions = {},
  ) {
    super(options.detail ?? code);
    this.name = new.target.name;
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
