// `imds-guard report`, minus the command line: resolve the inputs, stream them through the reader
// into the aggregator, and hand back the summary the text, JSON and HTML renderings share.
import { createAggregator, type ReportSummary } from './aggregate.ts';
import { readSources } from './read.ts';
import { RESOLVERS, resolveSources, type SourceResolver } from './sources.ts';

interface BuildOptions {
  since?: Date;
  now?: Date;
  /** Entries per breakdown in the summary. */
  top?: number;
  /** Input schemes; defaults to files and stdin (tests and new sources pass their own). */
  resolvers?: Partial<Record<string, SourceResolver>>;
}

/** Reads every spec (none: stdin) and summarises the decision records found. */
const buildReport = async (specs: readonly string[], options: BuildOptions = {}): Promise<ReportSummary> => {
  const sources = await resolveSources(specs, options.resolvers ?? RESOLVERS);
  const aggregator = createAggregator();
  const input = await readSources(sources, aggregator, options.since ? { since: options.since } : {});
  return aggregator.summary(input, {
    ...(options.since ? { since: options.since } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.top !== undefined ? { top: options.top } : {}),
  });
};

export type { BuildOptions };
export { buildReport };
