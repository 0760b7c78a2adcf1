// What cgbench calls the things it makes in a Docker engine, and how long it waits for the engine, so
// runs, clean-up and tests agree.

/** Every container is named cgbench-<run id>. */
export const NAME_PREFIX = 'cgbench-';
/** Everything cgbench makes in Docker carries this label (and a cgbench- name prefix). */
export const CGBENCH_LABEL = 'cgbench';
/** The workload image's repository; its tag is the binaries' content hash. */
export const IMAGE_REPO = 'cgbench-workloads';
/** Where the binaries live inside the image. */
export const IMAGE_BIN_DIR = '/cgbench/bin';
/** Where the scratch directory is bind-mounted inside the container. */
export const CONTAINER_SCRATCH = '/scratch';
/** The metrics protocol's file inside a container (the launcher makes it unique: a neighbour may share the
 *  container) and relays its lines. */
export const CONTAINER_METRICS = '/tmp/cgbench/metrics.XXXXXX';

/** How long docker commands may take, ms: a quick query, a container's removal or start, an image import. */
export const DOCKER_TIMEOUTS = { command: 30_000, query: 15_000, remove: 60_000, start: 60_000, bulk: 120_000 } as const;
