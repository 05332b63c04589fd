type Tagged = { tags: readonly string[]; visibility: "public" | "private" };

/**
 * How a recipe write changes the public count of each tag: `before` or `after` is null when the
 * recipe is created or deleted. Only public recipes count; unchanged tags give no change.
 */
export function tagCountChanges(
  before: Tagged | null,
  after: Tagged | null,
): { tag: string; delta: number }[] {
  const deltas = new Map<string, number>();
  const add = (state: Tagged | null, delta: number) => {
    if (state?.visibility !== "public") return;
    for (const tag of new Set(state.tags)) deltas.set(tag, (deltas.get(tag) ?? 0) + delta);
  };
  add(before, -1);
  add(after, 1);
  return [...deltas]
    .filter(([, delta]) => delta !== 0)
    .map(([tag, delta]) => ({ tag, delta }))
    .sort((a, b) => (a.tag < b.tag ? -1 : 1));
}
