// `--push URL` (run, report): a result document's figures sent to a Prometheus Pushgateway, in the text format
// it parses, under a job and a grouping key (scenario and host), replacing that group's last push so a
// dashboard shows tonight's figures and no cell that is gone. The URL is checked before a suite starts.

import { CgbenchError } from '../model/errors.js';
import { isMultiHost } from '../model/hosts.js';
import type { ResultDocument } from '../model/types.js';
import { PROMETHEUS_CONTENT_TYPE, serializeMetrics } from '../reporters/openmetrics.js';

/** The job a push goes under unless --push-job names another. */
export const DEFAULT_PUSH_JOB = 'cgbench';

/** A push that takes longer has hung: the results are saved, the push can be repeated with `cgbench report --push`. */
const PUSH_TIMEOUT_MS = 10_000;

export interface PushTarget {
  /** The gateway's base URL (a path prefix allowed), or a full grouping-key URL (…/metrics/job/…). */
  url: URL;
  job: string;
}

/** Checked before anything runs: an http(s) URL, and a job name. */
export function parsePushTarget(text: string, job = DEFAULT_PUSH_JOB): PushTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CgbenchError('E_INPUT', `--push "${text}" is not a URL`, 'give the Pushgateway as http://HOST:9091');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CgbenchError('E_INPUT', `--push "${text}" is not an http or https URL`, 'give the Pushgateway as http://HOST:9091');
  if (url.search || url.hash)
    throw new CgbenchError('E_INPUT', `--push "${text}" has a query or fragment`, 'give the Pushgateway as http://HOST:9091');
  if (!job.trim()) throw new CgbenchError('E_INPUT', '--push-job is empty', 'name the job, e.g. --push-job nightly');
  return { url, job };
}

/**
 * One path segment pair of a grouping key, as the Pushgateway reads it: a value with a slash (or none at all)
 * in base64url after `@base64`, any other percent-encoded.
 */
function segment(label: string, value: string): string {
  if (value === '' || value.includes('/')) return `${label}@base64/${Buffer.from(value).toString('base64url') || '='}`;
  return `${label}/${encodeURIComponent(value)}`;
}

/**
 * Where a document goes: the job, then the scenario and (for a document of one host) the host, the same
 * values its samples carry as labels. A URL that already names a grouping key is used as it is.
 */
export function groupingUrl(target: PushTarget, doc: ResultDocument): string {
  const base = target.url.href.replace(/\/+$/, '');
  if (/\/metrics\/job(@base64)?\//.test(target.url.pathname)) return base;
  const parts = [segment('job', target.job), segment('scenario', doc.scenario.name)];
  if (!isMultiHost(doc)) parts.push(segment('host', doc.host.hostname));
  return `${base}/metrics/${parts.join('/')}`;
}

/** The first line of a gateway's refusal: it says which line of the push it could not take. */
async function refusal(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  const line = text.trim().split('\n')[0] ?? '';
  return `HTTP ${res.status}${line ? `: ${line.slice(0, 300)}` : ''}`;
}

/** PUT: the group's metrics replaced by this document's. Returns the URL pushed to. */
export async function pushMetrics(doc: ResultDocument, target: PushTarget): Promise<string> {
  const url = groupingUrl(target, doc);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': PROMETHEUS_CONTENT_TYPE },
      body: serializeMetrics(doc, 'prometheus'),
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new CgbenchError(
      'E_PUSH',
      `cannot reach the Pushgateway at ${target.url.href} (${cause})`,
      'check --push and that the gateway runs',
    );
  }
  if (!res.ok) {
    throw new CgbenchError('E_PUSH', `the Pushgateway refused the push to ${url} (${await refusal(res)})`, 'check --push and --push-job');
  }
  return url;
}

/**
 * After a suite: the push's line for the output, or, when it fails, a line naming the saved results and the
 * command that pushes them again, and exit 3. A failed push never costs the results.
 */
export async function pushAfterSuite(
  doc: ResultDocument,
  target: PushTarget,
  resultsFile: string,
): Promise<{ line: string; failed: boolean }> {
  try {
    return { line: `pushed: ${await pushMetrics(doc, target)}\n`, failed: false };
  } catch (e) {
    if (!(e instanceof CgbenchError)) throw e;
    const job = target.job === DEFAULT_PUSH_JOB ? '' : ` --push-job ${target.job}`;
    const again = `cgbench report ${resultsFile} --push ${target.url.href}${job}`;
    return { line: `cgbench: ${e.format()}; the results are saved (${again} pushes them again)\n`, failed: true };
  }
}
