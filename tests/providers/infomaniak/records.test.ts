import type { ApiRecord } from "../../../providers/infomaniak/client";
import { fqdnOf, normaliseSource, normaliseTarget, placeRecord } from "../../../providers/infomaniak/records";

const zone = "example.fr";
const desired = { zone, source: "api", type: "A", target: "203.0.113.10", ttl: 300 };
const record = (fields: Partial<ApiRecord>): ApiRecord => ({
    id: 1,
    source: "api",
    type: "A",
    target: "203.0.113.10",
    ttl: 300,
    ...fields,
});

describe("normaliseSource", () => {
    it.each(["", "@", ".", "example.fr", "example.fr.", "EXAMPLE.fr"])("reads %j as the apex", (source) => {
        expect(normaliseSource(source, zone)).toBe(".");
    });
    it("makes full names relative and lower case", () => {
        expect(normaliseSource("API.example.fr.", zone)).toBe("api");
        expect(normaliseSource("a.b", zone)).toBe("a.b");
    });
    it("names the apex by the zone", () => {
        expect(fqdnOf("@", zone)).toBe("example.fr");
        expect(fqdnOf("api", zone)).toBe("api.example.fr");
    });
});

describe("normaliseTarget", () => {
    it.each(["2001:db8::10", "2001:DB8::10", "2001:0db8:0000:0000:0000:0000:0000:0010", " 2001:db8:0:0:0:0:0:10 "])(
        "reads the IPv6 address %p as one spelling",
        (spelling) => {
            expect(normaliseTarget("AAAA", spelling)).toBe("2001:db8::10");
        },
    );

    it("keeps different addresses different and leaves a non-address alone", () => {
        expect(normaliseTarget("AAAA", "2001:db8::11")).not.toBe(normaliseTarget("AAAA", "2001:db8::10"));
        expect(normaliseTarget("AAAA", "Not-An-Address")).toBe("not-an-address");
    });
});

describe("placeRecord", () => {
    it("creates when nothing carries the name and type", () => {
        expect(placeRecord([record({ type: "TXT", target: '"x"' }), record({ source: "www" })], desired, false)).toEqual({
            action: "create",
        });
    });
    it("adopts the same address without an update, or with one for another TTL", () => {
        expect(placeRecord([record({})], desired, false)).toMatchObject({ action: "adopt", update: false });
        expect(placeRecord([record({ ttl: 3600 })], desired, false)).toMatchObject({ action: "adopt", update: true });
    });
    it("matches the apex whatever its spelling", () => {
        const apexDesired = { ...desired, source: "@" };
        expect(placeRecord([record({ source: "." })], apexDesired, false)).toMatchObject({ action: "adopt" });
    });
    it("refuses another address unless adoption is asked, naming record, value and config", () => {
        const placement = placeRecord([record({ id: 7, target: "198.51.100.7" })], desired, false);
        expect(placement.action).toBe("conflict");
        const message = placement.action === "conflict" ? placement.message : "";
        expect(message).toContain("api.example.fr");
        expect(message).toContain("198.51.100.7");
        expect(message).toContain("dropit:dns.adoptExisting");
        expect(placeRecord([record({ target: "198.51.100.7" })], desired, true)).toMatchObject({ action: "adopt", update: true });
    });
    it("refuses a name held by a CNAME or by several records of the type", () => {
        expect(placeRecord([record({ type: "CNAME", target: "example.fr." })], desired, true).action).toBe("conflict");
        expect(placeRecord([record({ id: 1 }), record({ id: 2, target: "198.51.100.7" })], desired, true).action).toBe("conflict");
    });
});
