/** Record placement over arbitrary zones: the rules of records.test.ts, for every input. */
import fc from "fast-check";
import type { ApiRecord, ZoneRecord } from "../../../providers/infomaniak/client";
import { APEX, normaliseSource, normaliseTarget, placeRecord } from "../../../providers/infomaniak/records";

const ZONE = "example.fr";
const label = fc.constantFrom("api", "www", "traefik", "dokploy", "a.b");
const type = fc.constantFrom("A", "AAAA", "CAA", "CNAME", "TXT");
const target = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('0 issue "letsencrypt.org"', "other.example.net"));
const apiRecord = fc.record({
    id: fc.nat(),
    source: fc.oneof(label, fc.constantFrom(".", "@", "")),
    type,
    target,
    ttl: fc.constantFrom(60, 300, 3600),
});
const zoneRecords = fc.uniqueArray(apiRecord, { selector: (record) => record.id, maxLength: 8 });
const desiredRecord = fc.record({
    zone: fc.constant(ZONE),
    source: fc.oneof(label, fc.constant("@")),
    type: fc.constantFrom("A", "AAAA", "CAA"),
    target,
    ttl: fc.constantFrom(60, 300),
});

const sameNameAndType = (record: ApiRecord, desired: ZoneRecord) =>
    record.type === desired.type && normaliseSource(record.source, ZONE) === normaliseSource(desired.source, ZONE);

test("normaliseTarget is idempotent and reads every spelling of an IPv6 address as one", () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom("a", "B", ":", '"', " ", "\t", "\n") }));
    fc.assert(
        fc.property(fc.constantFrom("A", "AAAA", "CAA", "TXT"), text, (recordType, value) => {
            const once = normaliseTarget(recordType, value);
            expect(normaliseTarget(recordType, once)).toBe(once);
        }),
    );
    fc.assert(
        fc.property(fc.ipV6(), (address) => {
            expect(normaliseTarget("AAAA", ` ${address.toUpperCase()} `)).toBe(normaliseTarget("AAAA", address));
        }),
    );
});

test("placeRecord never duplicates, adopts only a record of the same name and type, and ignores the zone's order", () => {
    fc.assert(
        fc.property(zoneRecords, desiredRecord, fc.boolean(), (existing, desired, adopt) => {
            const placement = placeRecord(existing, desired, adopt);
            const matches = existing.filter((record) => sameNameAndType(record, desired));
            if (placement.action === "create") expect(matches).toEqual([]);
            if (placement.action === "adopt") {
                expect(matches).toEqual([placement.record]);
                if (!adopt)
                    expect(normaliseTarget(desired.type, placement.record.target)).toBe(normaliseTarget(desired.type, desired.target));
            }
            // With adoption on, only a CNAME on the name or several candidates stop it.
            if (adopt && placement.action === "conflict") {
                const blocked =
                    matches.length > 1 ||
                    existing.some(
                        (record) =>
                            record.type === "CNAME" && normaliseSource(record.source, ZONE) === normaliseSource(desired.source, ZONE),
                    );
                expect(blocked).toBe(true);
            }
            const reversed = placeRecord([...existing].reverse(), desired, adopt);
            expect(reversed.action).toBe(placement.action);
            if (placement.action === "adopt" && reversed.action === "adopt") expect(reversed.record).toEqual(placement.record);
        }),
    );
});

test("every spelling of the apex places the same way", () => {
    fc.assert(
        fc.property(zoneRecords, desiredRecord, fc.boolean(), (existing, desired, adopt) => {
            const spellings = ["", "@", ".", ZONE, `${ZONE}.`, ZONE.toUpperCase()];
            const placements = spellings.map((source) => placeRecord(existing, { ...desired, source }, adopt));
            for (const placement of placements) expect(placement).toEqual(placements[0]);
            expect(normaliseSource("@", ZONE)).toBe(APEX);
        }),
    );
});
