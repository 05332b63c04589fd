import { describe, expect, it } from "vitest";
import { parseOptions } from "../lib/args.ts";

describe("bench options", () => {
  it("passes --stratum-env settings to the Stratum server, none by default", () => {
    expect(parseOptions([]).stratumEnv).toEqual({});
    const options = parseOptions([
      "--stratum-env",
      "DB_PREPARED_STATEMENTS=false",
      "--stratum-env",
      "DB_PIPELINING=false",
    ]);
    expect(options.stratumEnv).toEqual({
      DB_PREPARED_STATEMENTS: "false",
      DB_PIPELINING: "false",
    });
  });

  it("refuses a setting that is not KEY=VALUE", () => {
    expect(() => parseOptions(["--stratum-env", "prepare off"])).toThrow(/KEY=VALUE/);
  });
});
