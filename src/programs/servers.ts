// Known servers: the files cgbench writes to run a server it knows (today Debian's nginx) as a service, and the
// command that starts it on them. Pure: runtimes/service.ts makes the directory, writes these and removes it.

import { join } from 'node:path';
import type { KnownServer } from '../model/types.js';

export interface KnownServerInfo {
  /** The program's name as found on PATH (or in `paths`). */
  program: string;
  /** Where distributions install it when PATH (a non-root user's) lacks sbin. */
  paths: string[];
  /** What installs it, for the error that says it is missing. */
  install: string;
  /** What it serves, for `cgbench list` and the README. */
  summary: string;
  /** Its files under `dir` (relative names), listening on 127.0.0.1:`port`. */
  files(dir: string, port: number): { name: string; text: string }[];
  /** Its command line over those files, in the foreground. */
  argv(program: string, dir: string): string[];
}

/** The page nginx serves: `bytes` of HTML paragraphs of made-up words, the same every time (a fixed LCG), as
 *  compressible as prose, so gzip does real work on it. */
export function samplePage(bytes: number): string {
  let x = 12345;
  const next = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const letters = 'etaoinshrdlucmfwypvbgkjqxz';
  const words = Array.from({ length: 1000 }, () =>
    Array.from({ length: 2 + next(8) }, () => letters[Math.min(next(26), next(26))] as string).join(''),
  );
  const parts = ['<!doctype html>\n<html><head><title>cgbench</title></head><body>\n'];
  let size = parts[0]?.length ?? 0;
  while (size < bytes) {
    const p = `<p>${Array.from({ length: 12 }, () => words[next(words.length)]).join(' ')}</p>\n`;
    parts.push(p);
    size += p.length;
  }
  parts.push('</body></html>\n');
  return parts.join('');
}

/** nginx's page: 32 KiB, compressed for each request that accepts gzip (Debian's nginx.conf turns gzip on). */
const NGINX_PAGE_BYTES = 32 * 1024;

export const KNOWN_SERVERS: Record<KnownServer, KnownServerInfo> = {
  nginx: {
    program: 'nginx',
    paths: ['/usr/sbin/nginx'],
    install: 'apt-get install nginx-light',
    summary:
      `one worker serving / (a ${NGINX_PAGE_BYTES / 1024} KiB HTML page, gzip level 1 for a client that accepts it) ` +
      'and /ok (a 3-byte answer)',
    files: (dir, port) => [
      {
        name: 'nginx.conf',
        text: [
          '# Written by cgbench for one run; removed after it.',
          'daemon off;',
          'master_process on;',
          'worker_processes 1;',
          `pid ${join(dir, 'nginx.pid')};`,
          `error_log ${join(dir, 'error.log')} warn;`,
          'events { worker_connections 4096; }',
          'http {',
          '  access_log off;',
          '  types { text/html html; }',
          '  default_type text/plain;',
          '  keepalive_requests 1000000;',
          ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, `${t}_temp`)};`),
          '  gzip on;',
          '  gzip_comp_level 1;',
          '  server {',
          `    listen 127.0.0.1:${port};`,
          `    root ${join(dir, 'www')};`,
          '    location = /ok { return 200 "ok\\n"; }',
          '  }',
          '}',
          '',
        ].join('\n'),
      },
      { name: 'www/index.html', text: samplePage(NGINX_PAGE_BYTES) },
    ],
    // -p: its prefix (relative paths), -e: the log before the configuration is read (default /var/log/nginx).
    argv: (program, dir) => [program, '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')],
  },
};
