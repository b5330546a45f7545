// A plan as text: one `ibmcloud` command per line, shell-quoted, each section and choice explained in a
// comment. `--dry-run` prints this; a real deploy prints each line before running it. Secrets appear only
// as `<file>` (a file deploy writes from environment variables), never as values.
import type { Plan, Step } from './deploy-plan.ts';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** `${NAME}`: a value captured by an earlier step (deploy-plan.ts). */
const VARIABLE = /(\$\{[A-Z][A-Z0-9_]*\})/;

/** A shell word that means exactly `arg`; `${NAME}` stays expandable (double quotes). */
const quote = (arg: string): string => {
  if (arg !== '' && SAFE.test(arg)) return arg;
  if (VARIABLE.test(arg)) {
    // split with a capturing group: odd indexes are the variables, kept as they are.
    const parts = arg
      .split(VARIABLE)
      .map((p, i) => (i % 2 === 1 ? p : p.replace(/[\\"$`]/g, (c) => `\\${c}`)));
    return `"${parts.join('')}"`;
  }
  return `'${arg.replace(/'/g, `'\\''`)}'`;
};

/** The command line of a step (without comments). */
const commandLine = (step: Step): string => {
  const words = step.argv.map((arg, i) =>
    step.file && i === step.file.index
      ? `${step.file.prefix === '' ? '' : quote(step.file.prefix)}<${step.file.file}>`
      : quote(arg),
  );
  const line = ['ibmcloud', ...words].join(' ');
  return step.capture ? `${step.capture.variable}=$(${line} | jq -r '.${step.capture.property}')` : line;
};

const comment = (text: string): string => (text === '' ? '#' : `# ${text}`);

const renderPlan = (plan: Plan): string => {
  const lines: string[] = plan.header.map(comment);
  plan.sections.forEach((section, i) => {
    lines.push('', `# --- ${i + 1}. ${section.title}`);
    for (const note of section.notes) lines.push(comment(note));
    for (const step of section.steps) {
      for (const c of step.comment) lines.push(comment(c));
      lines.push(commandLine(step));
    }
  });
  return `${lines.join('\n')}\n`;
};

export { commandLine, quote, renderPlan };
