/** A row version as a strong entity tag: version 3 is `"3"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The version an `If-Match` header asks for: undefined when absent or `*` (no precondition),
 * NaN when it names no version of ours, which then never matches and answers 412.
 */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}
