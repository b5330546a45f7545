// Type-aware promise rules and the import layers; formatting and general lint are Biome's job.
// scripts/check-imports.mjs (also run by `npm run lint`) checks the same layers over relative and
// dynamic imports, and that there is no import circle.
import tseslint from 'typescript-eslint';

/** `no-restricted-imports` for one folder: imports matching `regex` are not its to use. */
const layer = (files, regex, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  layer(
    ['shared/**/*.ts'],
    '^#(functions|cli|emulator)/',
    'shared/ is below functions/ and cli/, and product code never imports the emulator.',
  ),
  layer(
    ['events/**/*.ts'],
    '^#(shared/(?!cloud/crn\\.ts$|errors\\.ts$)|functions/|cli/|emulator/)',
    'events/ imports only events/ and leaf helpers (#shared/cloud/crn.ts, #shared/errors.ts).',
  ),
  layer(['functions/**/*.ts'], '^#(cli|emulator)/', 'functions/ never imports the CLI or the emulator.'),
  layer(
    ['emulator/**/*.ts'],
    '^#(shared|events|functions|cli)/',
    'The emulator imports no product code: it stands for IBM, not for us.',
  ),
);
