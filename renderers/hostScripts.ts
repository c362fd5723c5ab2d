/**
 * The shell scripts that converge the VPS, run over SSH as the sudo user. Each is idempotent:
 * it checks the state first and says what it did. Secrets never appear here; they arrive on
 * stdin. Facts about the installer: ../shared/reference/dokploy.md.
 */
import { quote } from "shell-quote";
import { allowedTcpPorts, FIREWALL_SCRIPT_PATH, FIREWALL_UNIT_NAME, renderFirewallScript, renderFirewallUnit, type FirewallOptions } from "./firewall";

/** Where the scripts keep their own state on the host. */
export const STATE_DIR = "/var/lib/dropit";
const INSTALLER_MARKER_NAME = "dokploy-installer-started";
const INSTALLED_MARKER_NAME = "dokploy-installed";
const ADMIN_MARKER_NAME = "dokploy-admin-created";
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

/** How many times an interrupted install is resumed before a person has to look. */
export const MAX_INSTALL_ATTEMPTS = 3;

/**
 * The release's installer when Dokploy is absent, and never on a live host. Decision (README,
 * README, The host): the installer starts with `docker swarm leave --force`, so it only ever runs
 * on a swarm without services. A run that stopped midway (marker written, no dokploy service)
 * is resumed: the leftovers the installer recreates and that hold its ports or would conflict
 * (the dokploy-traefik container; dokploy-postgres, whose fresh volume would not match the new
 * password secret; Dokploy never started, so they hold no data) are removed and the installer
 * runs again, at most ${MAX_INSTALL_ATTEMPTS} times. Any other service, or a host where the
 * install once completed, is refused with an explanation.
 */
export function renderDokployInstall(options: DokployInstallOptions): string {
    const stateDir = options.stateDir ?? STATE_DIR;
    const started = `${stateDir}/${INSTALLER_MARKER_NAME}`;
    const completed = `${stateDir}/${INSTALLED_MARKER_NAME}`;
    return asRemoteCommand(`${SUDO_PREFLIGHT}
if sudo docker service inspect dokploy >/dev/null 2>&1; then
  sudo test -e ${completed} || { sudo mkdir -p ${stateDir}; sudo touch ${completed}; }
  echo "dropit: Dokploy is already installed; its installer is not run again"
  exit 0
fi
if sudo test -e ${completed}; then
  echo "dropit: Dokploy was installed on this host (${completed}) but its dokploy service is gone." >&2
  echo "dropit: the installer is not run on a live host (it runs 'docker swarm leave --force'); restore the service or uninstall Dokploy first (README: The host)." >&2
  exit 1
fi
attempts=0
if sudo test -e ${started}; then attempts=$(sudo cat ${started} | wc -l); fi
if [ "$attempts" -ge ${MAX_INSTALL_ATTEMPTS} ]; then
  echo "dropit: the Dokploy installer was started $attempts times on this host without completing (${started}); inspect the host (README: The host, interrupted install)." >&2
  exit 1
fi
services=$(sudo docker service ls --format '{{.Name}}' 2>/dev/null || true)
leftovers=""
[ "$attempts" -gt 0 ] && leftovers=dokploy-postgres
others=$(printf '%s\n' "$services" | grep -vx -e '' -e "\${leftovers:-dokploy}" || true)
if [ -n "$others" ]; then
  echo "dropit: this host's swarm runs services ($(echo $others)) but no dokploy service; the installer would destroy them ('docker swarm leave --force'). Refusing." >&2
  exit 1
fi
if [ "$attempts" -gt 0 ]; then
  echo "dropit: resuming an install interrupted $attempts time(s): removing the installer's own leftovers"
  sudo docker rm -f dokploy-traefik >/dev/null 2>&1 || true
  if printf '%s\n' "$services" | grep -qx dokploy-postgres; then sudo docker service rm dokploy-postgres >/dev/null; fi
  for attempt in $(seq 1 30); do
    sudo docker volume inspect dokploy-postgres >/dev/null 2>&1 || break
    sudo docker volume rm dokploy-postgres >/dev/null 2>&1 && break
    sleep 2
  done
fi
installer=$(mktemp)
trap 'rm -f "$installer"' EXIT
curl -fsSL --retry 3 --max-time 120 ${q(options.installerUrl)} -o "$installer"
sudo mkdir -p ${stateDir}
date -u +%Y-%m-%dT%H:%M:%SZ | sudo tee -a ${started} >/dev/null
sudo env ADVERTISE_ADDR=${q(options.advertiseAddr)} DOKPLOY_VERSION=${q(options.version)} sh "$installer"
sudo docker service inspect dokploy >/dev/null 2>&1 || { echo "dropit: the installer finished but no dokploy service exists; re-run to resume (at most ${MAX_INSTALL_ATTEMPTS} attempts)" >&2; exit 1; }
sudo touch ${completed}
echo "dropit: Dokploy ${options.version} installed"`);
}

/** A changed `dokploy.version` goes through the installer's own `update` path. */
export function renderDokployUpdate(options: DokployInstallOptions): string {
    // pulumi-command runs this on ANY input change of the step (uninstallOnDestroy, the host key,
    // the SSH key, the script text), not only a new version: update only when the running image's
    // tag differs from the pinned version (the image may carry a @sha256 digest).
    return asRemoteCommand(`${SUDO_PREFLIGHT}
running=$(sudo docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' dokploy 2>/dev/null || true)
running=\${running%%@*}
if [ -n "$running" ] && [ "\${running##*:}" = ${q(options.version)} ]; then
  echo "dropit: Dokploy already runs ${options.version} ($running); not updated"
  exit 0
fi
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
sudo docker container inspect dokploy-traefik >/dev/null 2>&1 || { echo "dropit: Dokploy's dokploy-traefik container is missing (an install interrupted after its service started?): see README, The host" >&2; exit 1; }
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

/** Where the panel answers on the host itself until port 3000 is closed. */
const PANEL_LOCAL_URL = "http://127.0.0.1:3000";

/**
 * The first Dokploy account (the owner) right after the install, so that nobody else can claim
 * the panel. The JSON body `{name, email, password}` arrives on stdin and goes to curl's stdin:
 * the password is never an argument. Idempotent: a marker records success; an answer saying an
 * owner exists counts as done (an earlier run may have stopped before writing the marker).
 */
export function renderAdminAccount(stateDir: string = STATE_DIR): string {
    const marker = `${stateDir}/${ADMIN_MARKER_NAME}`;
    return asRemoteCommand(`${SUDO_PREFLIGHT}
if sudo test -e ${marker}; then
  echo "dropit: the Dokploy owner account already exists"
  exit 0
fi
ready=""
for attempt in $(seq 1 60); do
  if curl -fsS -o /dev/null --max-time 5 ${PANEL_LOCAL_URL}/api/health </dev/null 2>/dev/null; then ready=1; break; fi
  sleep 2
done
[ -n "$ready" ] || { echo "dropit: the Dokploy panel did not answer on ${PANEL_LOCAL_URL} within ~3 min (sudo docker service ps dokploy)" >&2; exit 1; }
response=$(mktemp)
trap 'rm -f "$response"' EXIT
status=$(curl -sS -o "$response" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' --data-binary @- ${PANEL_LOCAL_URL}/api/auth/sign-up/email)
case "$status" in
  2??) echo "dropit: Dokploy owner account created (password: the dokployAdminPassword stack output)" ;;
  4??)
    if grep -qi 'already' "$response"; then
      echo "dropit: Dokploy already has an owner; if dokployAdminPassword does not open the panel, someone else created it: reset it (README: The host, Uninstall)"
    else
      echo "dropit: creating the Dokploy owner failed (HTTP $status): $(head -c 300 "$response")" >&2
      exit 1
    fi ;;
  *) echo "dropit: creating the Dokploy owner failed (HTTP $status): $(head -c 300 "$response")" >&2; exit 1 ;;
esac
sudo mkdir -p ${stateDir}
sudo touch ${marker}`);
}

/**
 * Installs the text on stdin as `file` (mode 0600, root) when it differs; the file may hold a
 * secret (the dashboard's password hash), which is why it travels on stdin. Traefik's file
 * provider watches the directory: no restart.
 */
export function renderDynamicConfigFile(file: string): string {
    const directory = file.slice(0, file.lastIndexOf("/"));
    return asRemoteCommand(`${SUDO_PREFLIGHT}
sudo test -d ${q(directory)} || { echo "dropit: ${directory} does not exist; is Dokploy installed?" >&2; exit 1; }
content=$(mktemp)
trap 'rm -f "$content"' EXIT
cat >"$content"
if sudo cmp -s "$content" ${q(file)}; then
  echo "dropit: ${file} unchanged"
  exit 0
fi
sudo install -m 0600 -o root -g root "$content" ${q(file)}
echo "dropit: ${file} written"`);
}

/**
 * Unpublishes the panel's port 3000 once `https://<panelHost>` answers through Traefik on this
 * host with a valid certificate (bounded wait; DNS and the certificate must be ready). The
 * documented command, run only while 3000 is still published.
 */
export function renderClosePanelPort(panelHost: string): string {
    const url = `https://${panelHost}/api/health`;
    return asRemoteCommand(`${SUDO_PREFLIGHT}
published=$(sudo docker service inspect -f '{{range .Spec.EndpointSpec.Ports}} {{.PublishedPort}}{{end}}' dokploy)
case " $published " in
  *" 3000 "*) ;;
  *) echo "dropit: port 3000 already closed (the panel answers at https://${panelHost})"; exit 0 ;;
esac
ready=""
for attempt in $(seq 1 36); do
  if curl -fsS -o /dev/null --max-time 10 --resolve ${q(`${panelHost}:443:127.0.0.1`)} ${q(url)} </dev/null 2>/dev/null; then ready=1; break; fi
  sleep 5
done
[ -n "$ready" ] || { echo "dropit: ${url} does not answer through Traefik with a valid certificate after ~3 min (DNS? certificate? sudo docker logs dokploy-traefik); port 3000 stays published (blocked from outside by the firewall). Re-run pulumi up once it answers." >&2; exit 1; }
sudo docker service update --quiet --detach=false --publish-rm published=3000,target=3000,mode=host dokploy >/dev/null
echo "dropit: port 3000 closed; the panel is at https://${panelHost}"`);
}

/**
 * The firewall (renderers/firewall.ts) installed as /etc/dropit/firewall.sh with a boot unit, then
 * applied. Refused when the SSH session this runs over arrives on a port the rules would close.
 */
export function renderFirewall(options: FirewallOptions): string {
    const allowed = allowedTcpPorts(options).join(" ");
    const unitFile = `/etc/systemd/system/${FIREWALL_UNIT_NAME}`;
    return asRemoteCommand(`${SUDO_PREFLIGHT}
live_port=$(echo "\${SSH_CONNECTION:-}" | awk '{ print $4 }')
if [ -n "$live_port" ] && ! echo " ${allowed} " | grep -q " $live_port "; then
  echo "dropit: refusing the firewall: this SSH session arrives on port $live_port, which it would close (allowed: ${allowed}); set dropit:firewall.sshPort" >&2
  exit 1
fi
install_if_changed() {
  new=$(mktemp)
  cat >"$new"
  if sudo cmp -s "$new" "$1"; then rm -f "$new"; return; fi
  sudo mkdir -p "$(dirname "$1")"
  sudo install -m "$2" -o root -g root "$new" "$1"
  rm -f "$new"
  echo "dropit: $1 written"
}
install_if_changed ${FIREWALL_SCRIPT_PATH} 0700 <<'DROPIT_FILE_END'
${renderFirewallScript(options).trimEnd()}
DROPIT_FILE_END
install_if_changed ${unitFile} 0644 <<'DROPIT_FILE_END'
${renderFirewallUnit().trimEnd()}
DROPIT_FILE_END
# What \`systemctl enable\` does, so it also holds where systemd is not running (containers).
sudo mkdir -p /etc/systemd/system/multi-user.target.wants
sudo ln -sfn ${unitFile} /etc/systemd/system/multi-user.target.wants/${FIREWALL_UNIT_NAME}
if [ -d /run/systemd/system ]; then sudo systemctl daemon-reload; fi
sudo sh ${FIREWALL_SCRIPT_PATH}`);
}

/**
 * The documented uninstall, run by `pulumi destroy` only when dokploy.uninstallOnDestroy is
 * set: Dokploy's services, container, volumes, network, the swarm, /etc/dokploy and our state.
 */
export function renderDokployUninstall(stateDir: string = STATE_DIR): string {
    return asRemoteCommand(`${SUDO_PREFLIGHT}
sudo docker service rm dokploy dokploy-postgres >/dev/null 2>&1 || true
sudo docker rm -f dokploy-traefik >/dev/null 2>&1 || true
for attempt in $(seq 1 30); do
  sudo docker volume rm dokploy-postgres >/dev/null 2>&1 || true
  sudo docker volume inspect dokploy-postgres >/dev/null 2>&1 || break
  sleep 2
done
sudo docker network rm dokploy-network >/dev/null 2>&1 || true
sudo docker swarm leave --force >/dev/null 2>&1 || true
sudo rm -rf /etc/dokploy ${stateDir}
echo "dropit: Dokploy uninstalled (its data is gone)"`);
}

function escapeEre(text: string): string {
    return text.replace(/[.[\]{}()*+?^$|\\]/g, "\\$&");
}

function escapeSedReplacement(text: string): string {
    return text.replace(/[\\/&]/g, "\\$&");
}
