/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP, random port) built on dns2, for the
 * propagation wait: per name it answers an address, answers only after a delay, answers a
 * wrong address, or never answers at all.
 */
import dns2 from "dns2";

const { Packet } = dns2;
/** RFC 1035 rcode 3 (dns2 has it as Packet.RCODE, its type definitions do not). */
const NXDOMAIN = 3;

export type NameBehaviour =
    /**
     * Answer `address` (A for IPv4, AAAA for IPv6; a list holds both kinds for a dual-stack
     * name); before `afterMs` (since the server started) answer NXDOMAIN.
     */
    | { kind: "answer"; address: string | readonly string[]; afterMs?: number }
    /** Drop the query: the client sees a timeout. */
    | { kind: "silent" }
    /** Name servers of a zone (NS answers). */
    | { kind: "ns"; hosts: string[] };

export interface FakeDnsServer {
    /** "127.0.0.1:PORT", as `dns.Resolver#setServers` accepts it. */
    address: string;
    names: Map<string, NameBehaviour>;
    queries: string[];
    /** Each question as `TYPE name`, e.g. `AAAA api.example.fr`. */
    questions: string[];
    close(): Promise<void>;
}

/** Answers for names without a fixed behaviour, looked up at query time (e.g. from a fake zone). */
export type ZoneLookup = (name: string) => NameBehaviour | undefined;

export async function startFakeDnsServer(names: Record<string, NameBehaviour> = {}, lookup?: ZoneLookup): Promise<FakeDnsServer> {
    const behaviours = new Map(Object.entries(names).map(([name, behaviour]) => [name.toLowerCase(), behaviour]));
    const queries: string[] = [];
    const questions: string[] = [];
    const started = Date.now();
    const server = dns2.createServer({
        udp: true,
        handle: (request, send) => {
            const response = Packet.createResponseFromRequest(request);
            const [question] = request.questions;
            const name = question.name.toLowerCase();
            queries.push(name);
            const behaviour = behaviours.get(name) ?? lookup?.(name);
            if (behaviour?.kind === "silent") return;
            const type = (question as { type?: number }).type;
            questions.push(`${Object.entries(Packet.TYPE).find(([, value]) => value === type)?.[0] ?? String(type)} ${name}`);
            if (behaviour?.kind === "ns") {
                for (const host of behaviour.hosts)
                    response.answers.push({
                        name: question.name,
                        type: Packet.TYPE.NS,
                        class: Packet.CLASS.IN,
                        ttl: 60,
                        ns: host,
                    } as never);
                void send(response);
                return;
            }
            const wanted = behaviour?.kind === "answer" && Date.now() - started >= (behaviour.afterMs ?? 0);
            if (!wanted) {
                (response.header as { rcode?: number }).rcode = NXDOMAIN;
                void send(response);
                return;
            }
            for (const address of typeof behaviour.address === "string" ? [behaviour.address] : behaviour.address) {
                const isV6 = address.includes(":");
                if ((type === Packet.TYPE.AAAA) === isV6 && (type === Packet.TYPE.A || type === Packet.TYPE.AAAA)) {
                    response.answers.push({
                        name: question.name,
                        type: isV6 ? Packet.TYPE.AAAA : Packet.TYPE.A,
                        class: Packet.CLASS.IN,
                        ttl: 60,
                        address,
                    } as never);
                }
            }
            void send(response);
        },
    });
    await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
    const port = server.addresses().udp!.port;
    return {
        address: `127.0.0.1:${port}`,
        names: behaviours,
        queries,
        questions,
        close: () => server.close(),
    };
}
