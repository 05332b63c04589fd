import { describe, expect, it } from "vitest";
import { type Measurement, median, medianRatio, summarise } from "../lib/measure.ts";

const round = (rps: number, p99Ms: number, errors = 0): Measurement => ({
  requests: rps * 10,
  durationS: 10,
  rps,
  p50Ms: p99Ms / 2,
  p99Ms,
  errors,
  statusCodes: { 200: rps * 10 },
  serverCpuMsPerReq: 1,
  dbCpuMsPerReq: Number.NaN,
  backends: 1,
  peakRssMb: rps,
});

describe("bench statistics", () => {
  it("takes the middle value, or the mean of the two middle ones, ignoring NaN", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it("pairs rounds when taking the median ratio", () => {
    const stratum = [round(100, 10), round(50, 10), round(90, 10)];
    const floor = [round(200, 5), round(200, 5), round(100, 5)];
    expect(medianRatio(stratum, floor, "rps")).toBe(0.5);
    expect(medianRatio(stratum, floor, "p99Ms")).toBe(2);
  });

  it("sums errors over rounds and keeps the peak RSS", () => {
    const summary = summarise([round(10, 1, 2), round(30, 3, 1), round(20, 2)]);
    expect(summary).toMatchObject({ rps: 20, p99Ms: 2, errors: 3, peakRssMb: 30 });
    expect(summary.dbCpuMsPerReq).toBeNaN();
  });
});
