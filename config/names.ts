/**
 * Names of what this program creates on the VPS, spelled once. Services are also DNS names on
 * dokploy-network (the API reaches PostgreSQL as `dropit-postgres`); volumes outlive the stack.
 * Plain data, no imports.
 */

/** The overlay network Dokploy's installer creates and its Traefik routes on. */
export const DOKPLOY_NETWORK = "dokploy-network";

export const API_SERVICE = "dropit-api";
export const WEB_SERVICE = "dropit-web";
export const POSTGRES_SERVICE = "dropit-postgres";
export const REDIS_SERVICE = "dropit-redis";
export const TYPESENSE_SERVICE = "dropit-typesense";

export const POSTGRES_VOLUME = "dropit-postgres-data";
export const REDIS_VOLUME = "dropit-redis-data";
export const TYPESENSE_VOLUME = "dropit-typesense-data";

/** The first server's name among the nodes (the Swarm's first manager, where Dokploy runs). */
export const FIRST_NODE_NAME = "main";
/** Node labels this program sets: every node's configured name, and the node that holds the data volumes. */
export const NODE_NAME_LABEL = "dropit.node";
export const DATA_NODE_LABEL = "dropit.data";
