import { swarmDuration } from "../../renderers/duration";
import { readBackDuration } from "../support/goDuration";

describe("swarmDuration", () => {
    it.each([
        [0, "0s"],
        [5, "5s"],
        [59, "59s"],
        [60, "1m"],
        [90, "1m30s"],
        [600, "10m"],
        [3600, "1h"],
        [3630, "1h0m30s"],
        [3660, "1h1m"],
        [7322, "2h2m2s"],
    ])("%d s is written %s, the form the provider reads back", (seconds, expected) => {
        expect(swarmDuration(seconds)).toBe(expected);
        expect(readBackDuration(swarmDuration(seconds))).toBe(swarmDuration(seconds));
    });

    it("is stable for every whole number of seconds up to two days", () => {
        for (let seconds = 0; seconds <= 2 * 86400; seconds += 7) {
            expect(readBackDuration(swarmDuration(seconds))).toBe(swarmDuration(seconds));
        }
    });

    it.each([-1, 1.5, Number.NaN])("refuses %p", (seconds) => {
        expect(() => swarmDuration(seconds)).toThrow(/whole number of seconds/);
    });
});

describe("the read-back model", () => {
    it.each([
        ["60s", "1m"],
        ["1m0s", "1m"],
        ["3600s", "1h"],
        ["90s", "1m30s"],
        ["1h0m30s", "1h0m30s"],
        ["0s", "0s"],
        ["500ms", "500ms"],
        ["1.5s", "1.5s"],
    ])("%s reads back as %s", (written, read) => expect(readBackDuration(written)).toBe(read));
});
