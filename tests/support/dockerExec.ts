/**
 * Puts the `docker` stand-in of tests/support/dockerExec/docker.sh on a test's PATH: the host
 * scripts' `docker exec <task> pg_dump|pg_restore|psql ...` then reach a local PostgreSQL.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Installs `<bin>/docker`: tools run against 127.0.0.1:`pgPort`; files in `steerDir` change its answers (see docker.sh). */
export function installDockerExecStandIn(bin: string, pgPort: number, steerDir: string): void {
    fs.copyFileSync(path.join(__dirname, "dockerExec", "docker.sh"), path.join(bin, "docker"));
    fs.chmodSync(path.join(bin, "docker"), 0o755);
    fs.writeFileSync(path.join(bin, "docker.conf"), `${pgPort}\n${steerDir}\n`);
}
