import * as fs from "fs";
import type { Plan } from "../../scripts/plan/harness";
import { HOST_KEY, planStack, resource, reveal, SECRET_VALUES } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

const names = (urns: string[]) => urns.map((urn) => urn.split("::").pop());

test("converges the host in order: update, engine, registry login, firewall, installer, then the rest", () => {
    const after = (name: string) => names(resource(plan, name).dependencies);
    expect(after("dokploy-docker-engine")).toEqual(["dokploy-system-update"]);
    expect(after("dokploy-registry-login")).toEqual(["dokploy-docker-engine"]);
    // The firewall exists before the installer publishes port 3000.
    expect(after("dokploy-firewall")).toEqual(["dokploy-registry-login"]);
    expect(after("dokploy-dokploy")).toEqual(["dokploy-firewall"]);
    expect(after("dokploy-acme-contact")).toEqual(["dokploy-dokploy"]);
    expect(after("dokploy-docker-access")).toEqual(["dokploy-dokploy"]);
    expect(after("dokploy-admin-account")).toEqual(expect.arrayContaining(["dokploy-dokploy"]));
    // Certificates are requested after the ACME contact is set and DNS answers.
    expect(after("dokploy-panel-route")).toEqual(["dns-propagation", "dokploy-acme-contact"]);
    expect(after("dokploy-dashboard-route")).toEqual(expect.arrayContaining(["dns-propagation", "dokploy-acme-contact"]));
    expect(after("dokploy-close-panel-port")).toEqual(["dokploy-admin-account", "dokploy-panel-route"]);
    expect(after("dokploy-docker")).toEqual(["dokploy-acme-contact", "dokploy-close-panel-port", "dokploy-docker-access"]);
});

test("the owner account's password and the dashboard's hash travel on stdin as secrets; both passwords are secret outputs", () => {
    const admin = resource(plan, "dokploy-admin-account");
    expect(admin.inputs.stdin).toHaveProperty("value");
    const body = JSON.parse(String(reveal(admin.inputs.stdin))) as Record<string, string>;
    const password = body.password;
    expect(body).toMatchObject({ name: "Admin", email: "ops@example.fr" });
    expect(String(admin.inputs.create)).not.toContain(password);
    const dashboard = resource(plan, "dokploy-dashboard-route");
    expect(dashboard.inputs.stdin).toHaveProperty("value");
    expect(String(reveal(dashboard.inputs.stdin))).toMatch(/- admin:\$2a\$10\$/);
    expect(plan.outputs.dokployAdminPassword).toHaveProperty("value");
    expect(plan.outputs.traefikDashboardPassword).toHaveProperty("value");
    expect(reveal(plan.outputs.dokployAdminPassword)).toBe(password);
});

test("the panel route replaces Dokploy's dokploy.docker.localhost rule with the panel's domain", () => {
    const route = resource(plan, "dokploy-panel-route");
    expect(String(route.inputs.create)).toContain("/etc/dokploy/traefik/dynamic/dokploy.yml");
    expect(String(route.inputs.stdin)).toContain("rule: Host(`dokploy.example.fr`)");
    expect(String(route.inputs.stdin)).not.toContain("docker.localhost");
    expect(String(resource(plan, "dokploy-close-panel-port").inputs.create)).toContain("\nPANEL_HOST=dokploy.example.fr\n");
});

test("the firewall keeps server.port (the SSH port) open; destroy leaves Dokploy alone by default", () => {
    const firewall = String(resource(plan, "dokploy-firewall").inputs.create);
    expect(firewall).toContain("\nSSH_PORT=2222\nTCP_PORTS=80,443,2222'");
    expect(firewall).toContain('$ipt -A DROPIT-INPUT -p tcp --dport "$port" -j ACCEPT');
    expect(resource(plan, "dokploy-dokploy").inputs.delete).toBeUndefined();
});

test("every command connects as the sudo user with the host key pinned, the key kept secret", () => {
    const commands = plan.resources.filter((candidate) => candidate.type === "command:remote:Command");
    // Dokploy's six steps, plus the database's guard, backups and pre-rollout dump, and the rollout settle checks.
    expect(commands.map((command) => command.name)).toEqual(
        expect.arrayContaining([
            "dokploy-system-update",
            "postgres-version-guard",
            "api-pre-deploy-backup",
            "api-rollout-settled",
            "web-rollout-settled",
        ]),
    );
    for (const command of commands) {
        const connection = reveal(command.inputs.connection) as Record<string, unknown>;
        expect(command.inputs.connection).toHaveProperty("value");
        expect(connection).toMatchObject({ host: "198.51.100.7", port: 2222, user: "deploy", hostKey: HOST_KEY });
        expect(String(command.inputs.create)).not.toContain("TESTSSHKEY");
    }
});

test("the registry password reaches docker login on stdin, as a secret, never in the command", () => {
    const login = resource(plan, "dokploy-registry-login");
    expect(reveal(login.inputs.stdin)).toBe(SECRET_VALUES.registryPassword);
    expect(login.inputs.stdin).toHaveProperty("value");
    expect(login.inputs.create).toContain("--password-stdin");
    expect(login.inputs.create).toContain("dropitbot");
    expect(JSON.stringify(login.inputs.create)).not.toContain("TESTREGISTRY");
});

test("the pinned release's installer runs once, with ADVERTISE_ADDR inline; a version change goes through update", () => {
    const install = resource(plan, "dokploy-dokploy");
    const create = String(install.inputs.create);
    // Parameters are readable assignments (no `\:` noise), used only as quoted variables.
    expect(create).toContain("\nINSTALLER_URL=https://github.com/Dokploy/dokploy/releases/download/v0.30.2/install.sh\n");
    expect(create).not.toContain("\\:");
    expect(create).toContain("docker service inspect dokploy");
    expect(create).toContain("\nADVERTISE_ADDR=198.51.100.7\n");
    expect(create).toContain(
        'sudo timeout --kill-after=30 "$INSTALLER_TIMEOUT_SECONDS" env ADVERTISE_ADDR="$ADVERTISE_ADDR" DOKPLOY_VERSION="$DOKPLOY_VERSION" sh "$installer"',
    );
    expect(String(install.inputs.update)).toContain('sh "$installer" update');
    expect(install.inputs.delete).toBeUndefined();
});

test("the Let's Encrypt contact is the configured address", () => {
    expect(String(resource(plan, "dokploy-acme-contact").inputs.create)).toContain("ops@example.fr");
});

test("the Docker provider goes over SSH with the pinned key file and the registry credentials, all secret", () => {
    const provider = resource(plan, "dokploy-docker");
    expect(provider.inputs.host).toBe("ssh://deploy@198.51.100.7:2222");
    expect(provider.inputs.sshOpts).toHaveProperty("value");
    expect(provider.inputs.registryAuth).toHaveProperty("value");
    // The SDK hands provider configuration over as JSON text.
    const options = JSON.parse(String(reveal(provider.inputs.sshOpts))) as string[];
    expect(options).toContain("StrictHostKeyChecking=yes");
    const keyFile = options[options.indexOf("-i") + 1];
    const knownHosts = options.find((option) => option.startsWith("UserKnownHostsFile="))!.split("=")[1];
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(knownHosts, "utf8")).toBe(`[198.51.100.7]:2222 ${HOST_KEY}\n`);
});

test("renamed from DokployInstall: registered as DokployHost with the old type as an alias, child names unchanged", () => {
    const host = resource(plan, "dokploy");
    expect(host.type).toBe("dropit:index:DokployHost");
    expect(host.aliases).toContainEqual(expect.objectContaining({ type: "dropit:index:DokployInstall" }));
    // The children keep their names; the engine derives their former URNs from the parent's alias.
    expect(resource(plan, "dokploy-firewall").parent).toBe(host.urn);
});

test("the Docker provider reaches the services' children through the components' options, not their arguments", () => {
    const provider = resource(plan, "dokploy-docker");
    const onVps = plan.resources.filter(
        // The app images are built where `pulumi up` runs (lib/appImage.ts), by another provider.
        (candidate) =>
            candidate.custom &&
            candidate.type.startsWith("docker:") &&
            candidate.name !== "dokploy-docker" &&
            candidate.type !== "docker:index/image:Image",
    );
    expect(onVps.map((candidate) => candidate.name)).toEqual(
        expect.arrayContaining(["web-service", "postgres-data", "redis-service", "typesense-data"]),
    );
    for (const candidate of onVps)
        expect(`${candidate.name} ${candidate.provider}`).toBe(`${candidate.name} ${provider.urn}::${provider.name}-id`);
});
