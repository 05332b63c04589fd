/**
 * One part of a user's export, contributed by the module that owns the data: either a single
 * object (the profile) or rows streamed a page at a time, so a large account never sits in memory.
 */
export type ExportSection =
  | { name: string; kind: "object"; read(userId: string): Promise<unknown> }
  | { name: string; kind: "list"; rows(userId: string): AsyncIterable<unknown> };

/** Writes `{ "exportedAt": …, "<section>": … }` as a stream of JSON text chunks. */
export async function* exportDocument(
  userId: string,
  exportedAt: Date,
  sections: readonly ExportSection[],
): AsyncGenerator<string> {
  yield `{"format":"stratum-export/1","exportedAt":${JSON.stringify(exportedAt.toISOString())}`;
  for (const section of sections) {
    yield `,${JSON.stringify(section.name)}:`;
    if (section.kind === "object") {
      yield JSON.stringify((await section.read(userId)) ?? null);
      continue;
    }
    let first = true;
    yield "[";
    for await (const row of section.rows(userId)) {
      yield first ? JSON.stringify(row) : `,${JSON.stringify(row)}`;
      first = false;
    }
    yield "]";
  }
  yield "}\n";
}
