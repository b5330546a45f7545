// A plan as text: one `ibmcloud` command per line, shell-quoted, each section and choice explained in a
// comment. `--dry-run` prints this; a real deploy prints each command line before running it. Every line
// pastes into bash as it is: files (secrets, the policy) are written into "$DEPLOY_DIR" by earlier lines
// from environment variables or a here-doc, so secret values never appear, only the variables' names.
import type { FileArg, FileContent, Plan, Step } from './deploy-plan.ts';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** `${NAME}`: a value captured by an earlier step (deploy-plan.ts). */
const VARIABLE = /(\$\{[A-Z][A-Z0-9_]*\})/;
/** Where the printed lines write files: a private directory made by the first line. */
const DIR = 'DEPLOY_DIR';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

/** `"$DEPLOY_DIR/<name>"`: the file's path as a shell word. */
const filePath = (file: FileArg): string => `"$${DIR}/${file.file.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;

/** An environment variable's value as a shell word (printenv for names `$NAME` cannot spell). */
const envValue = (name: string): string =>
  ENV_NAME.test(name) ? `"$${name}"` : `"$(printenv ${quote(name)})"`;

/** A here-doc delimiter that no line of the text equals. */
const delimiterFor = (text: string): string => {
  const lines = new Set(text.split('\n'));
  let d = 'IMDS_GUARD_EOF';
  while (lines.has(d)) d = `${d}_`;
  return d;
};

/** The lines that write a step's file before the command reads it. */
const fileLines = (file: FileArg): string[] => {
  const content: FileContent = file.content;
  const to = `> ${filePath(file)}`;
  switch (content.kind) {
    case 'env-file':
      // printf repeats its format for each key/value pair: one KEY=value line each.
      return [
        `printf '%s=%s\\n' ${content.entries.map((e) => `${quote(e.key)} ${envValue(e.env)}`).join(' ')} ${to}`,
      ];
    case 'env-value':
      return [`printf '%s' ${envValue(content.env)} ${to}`];
    case 'text': {
      const end = delimiterFor(content.text);
      return [`cat <<'${end}' ${to}`, ...content.text.replace(/\n$/, '').split('\n'), end];
    }
  }
};

/** The command line of a step (without comments). */
const commandLine = (step: Step): string => {
  const words = step.argv.map((arg, i) =>
    step.file && i === step.file.index
      ? `${step.file.prefix === '' ? '' : quote(step.file.prefix)}${filePath(step.file)}`
      : quote(arg),
  );
  const line = ['ibmcloud', ...words].join(' ');
  return step.capture ? `${step.capture.variable}=$(${line} | jq -r '.${step.capture.property}')` : line;
};

const comment = (text: string): string => (text === '' ? '#' : `# ${text}`);

const stepsOf = (plan: Plan): Step[] => plan.sections.flatMap((s) => [...s.steps]);

const renderPlan = (plan: Plan): string => {
  const lines: string[] = plan.header.map(comment);
  const files = stepsOf(plan).some((s) => s.file !== undefined);
  if (files) lines.push(`${DIR}=$(mktemp -d)`);
  plan.sections.forEach((section, i) => {
    lines.push('', `# --- ${i + 1}. ${section.title}`);
    for (const note of section.notes) lines.push(comment(note));
    for (const step of section.steps) {
      for (const c of step.comment) lines.push(comment(c));
      if (step.file) lines.push(...fileLines(step.file));
      lines.push(commandLine(step));
    }
  });
  if (files) lines.push('', `rm -rf "$${DIR}"`);
  return `${lines.join('\n')}\n`;
};

/** Where a step's file comes from, without any value: environment variable names or "text". */
const fileSource = (content: FileContent): { from_env: string[] } | { from_text: true } => {
  switch (content.kind) {
    case 'env-file':
      return { from_env: content.entries.map((e) => e.env) };
    case 'env-value':
      return { from_env: [content.env] };
    case 'text':
      return { from_text: true };
  }
};

/** The plan as data for `deploy --dry-run --json`: the same commands, each with its section. */
const planJson = (plan: Plan): Record<string, unknown> => ({
  file: plan.file,
  header: plan.header,
  sections: plan.sections.map((section) => ({
    title: section.title,
    notes: section.notes,
    steps: section.steps.map((step) => ({
      kind: step.kind,
      name: step.name,
      verb: step.verb,
      comment: step.comment,
      command: commandLine(step),
      ...(step.capture ? { capture: step.capture } : {}),
      ...(step.file ? { file: { name: step.file.file, ...fileSource(step.file.content) } } : {}),
    })),
  })),
});

export { commandLine, planJson, quote, renderPlan };
