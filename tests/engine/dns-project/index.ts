/**
 * The DNS zone of the DropIt program, wired exactly as index.ts wires it, plus two endpoints a
 * test needs: Infomaniak's API and the name server to check, both on 127.0.0.1
 * (`enginetest:infomaniakApiUrl`, `enginetest:nameserver`).
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DnsZone } from "../../../components/dnsZone";
import { dnsZoneArgs } from "../../../config/componentArgs";
import { readStackConfig } from "../../../config/pulumiConfig";

const { settings, secrets } = readStackConfig(path.resolve(__dirname, "..", "..", ".."));
const endpoints = new pulumi.Config("enginetest");

const dns = new DnsZone("dns", {
    ...dnsZoneArgs(settings, secrets),
    apiUrl: endpoints.require("infomaniakApiUrl"),
    nameservers: [endpoints.require("nameserver")],
});

export const dnsRecords = dns.records;
