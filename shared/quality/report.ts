/**
 * The job's data-quality report: a JSON document (job, times, record counts, the datasets it
 * wrote, quarantine outputs, and each stage's section) and its HTML rendering, written next to
 * the job's data at `<root>/jobs/<jobId>/quality/report.json` and `report.html`.
 *
 * ```ts
 * const report = buildReport(state, jobResult(state), sections);
 * const uris = await writeReport(store, reportDir(state.store.root, state.jobId), report);
 * // { json: '/data/store/jobs/j1/quality/report.json', html: '…/report.html' }
 * ```
 */
import type { JobResult, JobState, QualityReportUris } from '../job.js';
import type { ObjectStore } from '../store/types.js';
import { joinUri } from '../store/uri.js';
import { renderHtml } from './html.js';
import type { QualityDataset, QualityReport, QualitySection } from './types.js';

const encoder = new TextEncoder();

/** `<root>/jobs/<jobId>/quality/` */
export function reportDir(root: string, jobId: string): string {
  return `${joinUri(root, 'jobs', jobId, 'quality')}/`;
}

export function buildReport(state: JobState, result: JobResult, sections: QualitySection[]): QualityReport {
  const datasets: QualityDataset[] = result.outputs.map((o) => {
    const fields = state.stages.find((s) => s.id === o.stage)?.output?.schema.fields ?? [];
    return { ...o, columns: fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })) };
  });
  const report: QualityReport = {
    version: 1,
    jobId: result.jobId,
    name: result.name,
    status: result.status,
    generatedAt: result.finishedAt ?? new Date().toISOString(),
    seconds: result.seconds,
    records: { ...result.records },
    datasets,
    stages: result.stages.map((s) => ({ id: s.id, op: s.op, rowsIn: s.rowsIn, rowsOut: s.rowsOut, quarantined: s.quarantined, seconds: s.seconds })),
    quarantine: result.quarantine.map((q) => ({ stage: q.stage, uri: q.uri, rows: q.rows, files: q.files })),
    sections,
  };
  if (result.startedAt !== undefined) report.startedAt = result.startedAt;
  if (result.finishedAt !== undefined) report.finishedAt = result.finishedAt;
  return report;
}

/** Writes `report.json` and `report.html` under `dir` (ends with `/`); returns their URIs. */
export async function writeReport(store: ObjectStore, dir: string, report: QualityReport): Promise<QualityReportUris> {
  const uris: QualityReportUris = { json: `${dir}report.json`, html: `${dir}report.html` };
  await store.put(uris.json, encoder.encode(`${JSON.stringify(report, null, 2)}\n`));
  await store.put(uris.html, encoder.encode(renderHtml(report, dir)));
  return uris;
}
