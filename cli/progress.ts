/**
 * A progress bar for a running job on a TTY (stage, tasks done/total, rows/s, ETA); on a
 * non-TTY it prints one line per finished stage to stderr instead.
 */
import cliProgress from 'cli-progress';
import type { JobEvent } from '../shared/job.js';
import { n } from './format.js';

export class JobProgress {
  private bar: cliProgress.SingleBar | undefined;
  private stage = '';
  private rows = 0;
  /** When the current phase started (the bar's rate) and when its stage started (the done line). */
  private started = 0;
  private stageId = '';
  private stageStarted = 0;

  constructor(
    private readonly tty: boolean = process.stderr.isTTY === true,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  onEvent = (e: JobEvent): void => {
    if (e.type === 'stage' && e.status === 'running') {
      this.bar?.stop();
      this.stage = `${e.stage}${e.phase > 0 ? `#${e.phase}` : ''}`;
      this.rows = 0;
      this.started = Date.now();
      if (e.stage !== this.stageId) {
        this.stageId = e.stage;
        this.stageStarted = this.started;
      }
      if (this.tty) {
        this.bar = new cliProgress.SingleBar(
          { format: '{stage} |{bar}| {value}/{total} tasks | {rows} rows | {rate} rows/s | ETA {eta_formatted}', stream: this.out, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(e.tasks, 0, { stage: this.stage.padEnd(16), rows: '0', rate: '0' });
      }
    } else if (e.type === 'task' && e.ok) {
      this.rows += e.rows;
      const secs = Math.max(0.001, (Date.now() - this.started) / 1000);
      this.bar?.update(e.done, { rows: n(this.rows), rate: n(Math.round(this.rows / secs)) });
    } else if (e.type === 'stage' && e.status === 'succeeded') {
      this.bar?.stop();
      this.bar = undefined;
      if (!this.tty) this.out.write(`stage ${e.stage} done in ${((Date.now() - this.stageStarted) / 1000).toFixed(2)}s\n`);
      this.stageId = '';
    } else if (e.type === 'job' && e.status !== 'running') {
      this.stop();
    }
  };

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
