import { readFileSync } from "node:fs";
import { BadRequestError } from "../../lib/errors.ts";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

let common: Set<string> | undefined;

/** The most common passwords (see docs/auth.md for the source), loaded once. */
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(new URL("./common-passwords.txt", import.meta.url), "utf8")
      .split("\n")
      .filter(Boolean),
  );
  return common;
}

/** Characters as a person counts them: code points, so emoji and CJK count once. */
export function passwordLength(password: string): number {
  return [...password].length;
}

/** Why a password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, email?: string): string | undefined {
  const length = passwordLength(password);
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const list = commonPasswords();
  if (list.has(password) || list.has(password.toLowerCase())) {
    return "is too common; choose a less predictable password";
  }
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) {
    return "must not be your email address";
  }
  return undefined;
}

/** Throws 400 validation_failed with an `errors[]` entry at `path` when the password is refused. */
export function assertAcceptablePassword(password: string, email: string, path: string): void {
  const problem = passwordProblem(password, email);
  if (problem) {
    throw new BadRequestError("validation_failed", {
      detail: "The request is invalid.",
      errors: [{ path, message: problem }],
    });
  }
}

export function commonPasswordCount(): number {
  return commonPasswords().size;
}
