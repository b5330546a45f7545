// `imds-guard firewall --deny-user U… | --allow-user U… [--allow-group G…] --format iptables|nftables|cloud-init`:
// in-guest owner-match rules for the metadata address, on stdout or in --output FILE.
import { rename, rm, writeFile } from 'node:fs/promises';
import { type Command, type CommanderError, Option } from 'commander';
import { FIREWALL_FORMATS, FIREWALL_FORMATTERS, type FirewallFormat } from '#shared/firewall/formats.ts';
import { findUnknownAccounts } from '#shared/firewall/local-accounts.ts';
import { buildSpec, FirewallInputError } from '#shared/firewall/spec.ts';

const EXIT = { ok: 0, unexpected: 1, usage: 2 } as const;

const HELP_AFTER = `
Forms (IBM's "Security best practices for the instance metadata service", iptables section):
  --deny-user U…                   reject the metadata service for these users; everyone else untouched
  --allow-user U… --allow-group G… only these users and groups get through; everyone else, root
                                   included, is rejected (list root to keep it)
Users and groups: names (POSIX portable: letters, digits, . _ -) or numeric ids, repeated or comma-separated.
Names are resolved on the instance when the rules load; --check-local also looks them up here (getent).

Examples:
  imds-guard firewall --deny-user apache --format iptables
  imds-guard firewall --allow-user trustworthy-user --allow-group imds --format nftables --output imds.nft
  imds-guard firewall --allow-user 1001 --format cloud-init --output user-data.yaml

Exit codes: 0 written, 1 unexpected error, 2 bad arguments (nothing written).`;

interface FirewallFlags {
  denyUser?: string[];
  allowUser?: string[];
  allowGroup?: string[];
  format: FirewallFormat;
  output?: string;
  checkLocal?: boolean;
}

const fail = (code: number, message: string): void => {
  process.stderr.write(`imds-guard firewall: ${message}\n`);
  process.exitCode = code;
};

/** Write beside the target, then rename: a reader never sees half a rules file. */
const writeAtomically = async (file: string, text: string): Promise<void> => {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
};

const runFirewall = async (flags: FirewallFlags): Promise<void> => {
  try {
    const spec = buildSpec(flags);
    if (flags.checkLocal) {
      const unknown = await findUnknownAccounts(spec);
      if (unknown.length > 0) return fail(EXIT.usage, `unknown on this machine: ${unknown.join(', ')}`);
    }
    const text = FIREWALL_FORMATTERS[flags.format].render(spec);
    if (flags.output === undefined) {
      process.stdout.write(text);
    } else {
      await writeAtomically(flags.output, text);
      process.stderr.write(`wrote ${flags.output} (${flags.format})\n`);
    }
    process.exitCode = EXIT.ok;
  } catch (err) {
    if (err instanceof FirewallInputError) return fail(EXIT.usage, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (flags.output !== undefined && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR'))
      return fail(EXIT.usage, `cannot write ${flags.output}: ${code}`);
    fail(EXIT.unexpected, err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
};

const registerFirewall = (program: Command): void => {
  program
    .command('firewall')
    .description(
      'in-guest firewall rules (iptables, nftables, cloud-init) that limit who reaches 169.254.169.254',
    )
    .option('--deny-user <users...>', 'reject the metadata service for these users')
    .option('--allow-user <users...>', 'let only these users (and --allow-group) through')
    .option('--allow-group <groups...>', 'let only these groups (and --allow-user) through')
    .addOption(
      new Option(
        '--format <format>',
        FIREWALL_FORMATS.map((f) => `${f}: ${FIREWALL_FORMATTERS[f].describe}`).join('; '),
      )
        .choices(FIREWALL_FORMATS)
        .makeOptionMandatory(),
    )
    .option('--output <file>', 'write to <file> instead of stdout')
    .option('--check-local', 'also require every user and group to exist on this machine (getent)')
    .addHelpText('after', HELP_AFTER)
    // Bad arguments are exit 2 (commander's default is 1); help stays 0.
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    })
    .action(async (flags: FirewallFlags) => {
      await runFirewall(flags);
    });
};

export { registerFirewall };
