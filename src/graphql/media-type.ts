/**
 * The media type of a GraphQL answer (GraphQL-over-HTTP, "Body"): the one of ours the `Accept`
 * header prefers. Both carry the same body and the same statuses (docs/graphql.md, Media types).
 */
export const JSON_TYPE = "application/json";
export const GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json";

type Ours = typeof JSON_TYPE | typeof GRAPHQL_RESPONSE_TYPE;
/** Listed first: the answer to no `Accept`, to a wildcard, to a tie, or to nothing we serve. */
const OURS: readonly Ours[] = [JSON_TYPE, GRAPHQL_RESPONSE_TYPE];

type Range = { type: string; q: number; index: number };

function parseRanges(accept: string): Range[] {
  return accept.split(",").flatMap((part, index) => {
    const [type = "", ...params] = part.split(";").map((piece) => piece.trim().toLowerCase());
    if (!type.includes("/")) return [];
    const q = params.find((param) => /^q\s*=/.test(param))?.replace(/^q\s*=\s*/, "");
    const weight = q === undefined ? 1 : Number(q);
    return Number.isFinite(weight) ? [{ type, q: Math.min(Math.max(weight, 0), 1), index }] : [];
  });
}

/** How closely a range names a type: exactly 3, as `application/*` 2, as any type 1, not 0. */
function specificity(range: string, type: string): number {
  if (range === type) return 3;
  if (range === "*/*") return 1;
  return range.endsWith("/*") && type.startsWith(range.slice(0, -1)) ? 2 : 0;
}

/**
 * Each of our types takes the weight of the most specific range that names it (RFC 9110
 * §12.5.1); the heaviest wins, then the one named rather than matched by a wildcard, then the
 * one listed first ("application/graphql-response+json, application/json" prefers the first).
 */
export function responseMediaType(accept: string | undefined): Ours {
  if (!accept) return JSON_TYPE;
  const ranges = parseRanges(accept);
  const scored = OURS.map((type, order) => {
    let best: Range & { specificity: number } = { type, q: 0, index: 0, specificity: 0 };
    for (const range of ranges) {
      const s = specificity(range.type, type);
      if (s > best.specificity) best = { ...range, specificity: s };
    }
    const named = best.specificity === 3;
    return { type, q: best.q, named, index: named ? best.index : ranges.length, order };
  });
  scored.sort(
    (a, b) =>
      b.q - a.q || Number(b.named) - Number(a.named) || a.index - b.index || a.order - b.order,
  );
  const [first] = scored;
  return first && first.q > 0 ? first.type : JSON_TYPE;
}
