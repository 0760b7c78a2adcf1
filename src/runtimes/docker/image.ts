// The Docker runtime's image: the static workload binaries imported offline as a tiny rootfs,
// tagged by their content hash so it is built once and rebuilt only when the binaries change.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CgbenchError } from '../../model/errors.js';
import { NATIVE_BINARIES } from '../../model/paths.js';
import { notBuilt } from '../../programs/registry.js';
import { type DockerExec, dockerError } from './client.js';
import { CGBENCH_LABEL, CONTAINER_SCRATCH, DOCKER_TIMEOUTS, IMAGE_BIN_DIR, IMAGE_REPO } from './names.js';

interface TarEntry {
  name: string;
  mode: number;
  data?: Buffer;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** A minimal ustar archive: directories and regular files, owned by root, mtime 0 (reproducible). */
export function makeTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const isDir = e.data === undefined;
    const name = isDir && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write(octal(e.mode & 0o7777, 8), 100, 'ascii');
    h.write(octal(0, 8), 108, 'ascii');
    h.write(octal(0, 8), 116, 'ascii');
    h.write(octal(e.data?.length ?? 0, 12), 124, 'ascii');
    h.write(octal(0, 12), 136, 'ascii');
    h.write('        ', 148, 'ascii');
    h.write(isDir ? '5' : '0', 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    h.write('root', 265, 'ascii');
    h.write('root', 297, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(octal(sum, 7) + ' ', 148, 'ascii');
    blocks.push(h);
    if (e.data) {
      blocks.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface ImageContent {
  tag: string;
  hash: string;
  tar: () => Buffer;
}

/** The image's tag from the binaries' bytes; the tar is only made when the image must be built. */
function imageContent(binDir: string): ImageContent {
  const files = NATIVE_BINARIES.map((name) => {
    try {
      return { name, data: readFileSync(join(binDir, name)) };
    } catch {
      throw notBuilt(name, binDir);
    }
  });
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.name}\0${f.data.length}\0`).update(f.data);
  const hash = h.digest('hex').slice(0, 12);
  // Tar paths are relative to the image root: "/cgbench/bin" is stored as "cgbench/bin".
  const bin = IMAGE_BIN_DIR.slice(1);
  const parents = bin.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  const tar = (): Buffer =>
    makeTar([
      ...parents.map((name) => ({ name, mode: 0o755 })),
      ...files.map((f) => ({ name: `${bin}/${f.name}`, mode: 0o755, data: f.data })),
      { name: 'tmp', mode: 0o1777 },
      // Mount point of the scratch directory for IO and page-cache workloads.
      { name: CONTAINER_SCRATCH.slice(1), mode: 0o755 },
    ]);
  return { tag: `${IMAGE_REPO}:${hash}`, hash, tar };
}

/** Makes sure the image for these binaries exists (building it offline if not); returns its tag. */
export async function ensureImage(docker: DockerExec, binDir: string, client = 'docker'): Promise<string> {
  const content = imageContent(binDir);
  const inspect = await docker(['image', 'inspect', '--format', '{{.Id}}', content.tag]);
  if (inspect.code === 0) return content.tag;
  // `docker import` of a tarball needs neither a registry nor BuildKit/buildx.
  const res = await docker(
    [
      'import',
      '--change',
      `LABEL ${CGBENCH_LABEL}=1`,
      '--change',
      `LABEL ${CGBENCH_LABEL}.binaries=${content.hash}`,
      '--message',
      'cgbench workloads',
      '-',
      content.tag,
    ],
    { input: content.tar(), timeoutMs: DOCKER_TIMEOUTS.bulk },
  );
  if (res.code !== 0) {
    throw new CgbenchError(
      'E_DOCKER',
      `could not build the workload image ${content.tag}: ${dockerError(res.stderr)}`,
      `check the engine with \`${client} info\` and its free disk space`,
    );
  }
  await removeStaleImages(docker, content.tag);
  return content.tag;
}

/** Older cgbench-workloads tags (from binaries since rebuilt); ones still in use stay. */
async function removeStaleImages(docker: DockerExec, keep: string): Promise<void> {
  const list = await docker(['image', 'ls', '--filter', `reference=${IMAGE_REPO}`, '--format', '{{.Repository}}:{{.Tag}}']);
  if (list.code !== 0) return;
  const stale = list.stdout
    .split('\n')
    .map((l) => l.trim())
    // Podman names local images localhost/REPO.
    .map((t) => t.replace(/^localhost\//, ''))
    .filter((t) => t.startsWith(`${IMAGE_REPO}:`) && t !== keep);
  if (stale.length) await docker(['image', 'rm', ...stale]);
}
