// Entry of the Code Engine job bundle (dist/jobs/sweep/index.js): run this index's shard and
// exit with its code (docs/scan.md "Jobs"). The work is in job-run.ts so tests can call it.
import { runJob } from './job-run.ts';

void runJob().then((code) => {
  process.exitCode = code;
});
