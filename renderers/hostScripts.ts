/**
 * The shell scripts that converge the VPS, run over SSH as the sudo user. Each is idempotent:
 * it checks the state first and says what it did. Secrets never appear here; they arrive on
 * stdin. Facts about the installer: ../shared/reference/dokploy.md.
 */
import { quote } from "shell-quote";

/** Where the scripts keep their own state on the host. */
export const STATE_DIR = "/var/lib/dropit";
const INSTALLER_MARKER_NAME = "dokploy-installer-started";
export const TRAEFIK_STATIC_CONFIG = "/etc/dokploy/traefik/traefik.yml";

const q = (value: string | number): string => quote([String(value)]);

const END_OF_SCRIPT = "DROPIT_SCRIPT_END";

/**
 * Runs `script` under bash with strict mode, whatever the user's login shell is. A quoted
 * heredoc carries the text verbatim (readable in previews and logs, no escaping) and leaves
 * the command's stdin free for secrets.
 */
export function asRemoteCommand(script: string): string {
    if (script.split("\n").includes(END_OF_SCRIPT)) throw new Error(`a script line may not be ${END_OF_SCRIPT}`);
    return `bash -c "$(cat <<'${END_OF_SCRIPT}'\nset -euo pipefail\n${script.trim()}\n${END_OF_SCRIPT}\n)"`;
}

const SUDO_PREFLIGHT = `sudo -n true 2>/dev/null || {
  echo "dropit: user $(id -un) needs passwordless sudo on this host (README: host prerequisites)" >&2
  exit 1
}`;

/** Non-interactive upgrade that waits (bounded) for another apt or dpkg to finish. */
export function renderSystemUpdate(): string {
    const apt = "sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q";
    return asRemoteCommand(`${SUDO_PREFLIGHT}
${apt} update
${apt} -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold upgrade
echo "dropit: system packages up to date"`);
}

/** Docker engine at the version Dokploy's installer expects, only when Docker is absent. */
export function renderDockerEngine(dockerVersion: string): string {
    return asRemoteCommand(`${SUDO_PREFLIGHT}
if command -v docker >/dev/null 2>&1; then
  echo "dropit: $(docker --version) already present"
  exit 0
fi
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 https://get.docker.com -o "$installer"
sudo sh "$installer" --version ${q(dockerVersion)}
sudo apt-mark hold docker-ce docker-ce-cli >/dev/null
echo "dropit: Docker ${dockerVersion} installed"`);
}

/** Registry login before the first pull (Docker Hub's anonymous limit); password on stdin. */
export function renderRegistryLogin(server: string, username: string): string {
    return asRemoteCommand(`${SUDO_PREFLIGHT}
sudo docker login --username ${q(username)} --password-stdin ${q(server)} >/dev/null
echo "dropit: root's Docker client logged in to ${server} as ${username}"`);
}

export interface DokployInstallOptions {
    version: string;
    installerUrl: string;
    advertiseAddr: string;
    /** Where the "installer started" marker lives (tests point it elsewhere). */
    stateDir?: string;
}

/** The release's installer when Dokploy is absent; never a second run on a host it touched. */
export function renderDokployInstall(options: DokployInstallOptions): string {
    const stateDir = options.stateDir ?? STATE_DIR;
    const marker = `${stateDir}/${INSTALLER_MARKER_NAME}`;
    return asRemoteCommand(`${SUDO_PREFLIGHT}
if sudo docker service inspect dokploy >/dev/null 2>&1; then
  echo "dropit: Dokploy is already installed; its installer is not run again"
  exit 0
fi
if sudo test -e ${marker}; then
  echo "dropit: the Dokploy installer already ran on this host (${marker}) but no dokploy service exists." >&2
  echo "dropit: running it again could destroy the swarm (it runs 'docker swarm leave --force'); inspect the host, then remove the marker to allow one new attempt." >&2
  exit 1
fi
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 ${q(options.installerUrl)} -o "$installer"
sudo mkdir -p ${stateDir}
sudo touch ${marker}
sudo env ADVERTISE_ADDR=${q(options.advertiseAddr)} DOKPLOY_VERSION=${q(options.version)} sh "$installer"
sudo docker service inspect dokploy >/dev/null || { echo "dropit: the installer finished but no dokploy service exists" >&2; exit 1; }
echo "dropit: Dokploy ${options.version} installed"`);
}

/** A changed `dokploy.version` goes through the installer's own `update` path. */
export function renderDokployUpdate(options: DokployInstallOptions): string {
    return asRemoteCommand(`${SUDO_PREFLIGHT}
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 ${q(options.installerUrl)} -o "$installer"
sudo env DOKPLOY_VERSION=${q(options.version)} sh "$installer" update
echo "dropit: Dokploy updated to ${options.version}"`);
}

/** Let's Encrypt contact in Traefik's static config; Traefik restarted only on a change. */
export function renderAcmeContact(email: string, file: string = TRAEFIK_STATIC_CONFIG): string {
    const current = `^[[:space:]]+email:[[:space:]]*["']?${escapeEre(email)}["']?[[:space:]]*$`;
    return asRemoteCommand(`${SUDO_PREFLIGHT}
for attempt in $(seq 1 60); do sudo test -f ${file} && break; sleep 2; done
sudo test -f ${file} || { echo "dropit: ${file} did not appear within 120 s; is Dokploy running? (sudo docker service ps dokploy)" >&2; exit 1; }
if sudo grep -qE ${q(current)} ${file}; then
  echo "dropit: Let's Encrypt contact already ${email}"
  exit 0
fi
sudo grep -qE '^[[:space:]]+email:' ${file} || { echo "dropit: no ACME email key in ${file}" >&2; exit 1; }
sudo sed -i -E ${q(`s/^([[:space:]]+email:).*$/\\1 ${escapeSedReplacement(email)}/`)} ${file}
sudo docker restart dokploy-traefik >/dev/null
echo "dropit: Let's Encrypt contact set to ${email}; Traefik restarted"`);
}

/** Docker access for the SSH user, which the Docker provider connects as. */
export function renderDockerAccess(user: string): string {
    return asRemoteCommand(`${SUDO_PREFLIGHT}
if id -nG ${q(user)} | tr ' ' '\\n' | grep -qx docker; then
  echo "dropit: ${user} already in the docker group"
  exit 0
fi
sudo usermod -aG docker ${q(user)}
echo "dropit: ${user} added to the docker group"`);
}

function escapeEre(text: string): string {
    return text.replace(/[.[\]{}()*+?^$|\\]/g, "\\$&");
}

function escapeSedReplacement(text: string): string {
    return text.replace(/[\\/&]/g, "\\$&");
}
