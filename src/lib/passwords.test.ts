import { describe, expect, it } from "vitest";
import { concurrencyLimit, createPasswordHasher } from "./passwords.ts";

describe("concurrencyLimit", () => {
  it("runs at most the limit at once, starting the others in arrival order", async () => {
    const limited = concurrencyLimit(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const results = [0, 1, 2, 3, 4].map((n) =>
      limited(async () => {
        started.push(n);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => finish.push(resolve));
        running--;
        return n * 10;
      }),
    );
    const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
    await settle();
    expect(started).toEqual([0, 1]);
    // Finishing one lets exactly one more start, even while new tasks keep arriving.
    finish.shift()?.();
    const late = limited(async () => "late");
    await settle();
    expect(started).toEqual([0, 1, 2]);
    while (finish.length > 0) {
      finish.shift()?.();
      await settle();
    }
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40]);
    expect(await late).toBe("late");
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("frees the slot of a task that fails", async () => {
    const limited = concurrencyLimit(1);
    await expect(limited(async () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    expect(await limited(async () => "next")).toBe("next");
  });
});

describe("createPasswordHasher with one hash at a time", () => {
  it("still answers every concurrent verify correctly", async () => {
    const hasher = createPasswordHasher(
      { memoryCost: 1_024, timeCost: 1, parallelism: 1 },
      { concurrency: 1 },
    );
    const stored = await hasher.hash("correct horse");
    const answers = await Promise.all(
      ["correct horse", "wrong", "correct horse", ""].map((password) =>
        hasher.verify(stored, password),
      ),
    );
    expect(answers).toEqual([true, false, true, false]);
  });
});
