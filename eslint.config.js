// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflow code is bundled and run in Temporal's deterministic sandbox: node built-ins and
// process runners are rejected there, so we reject them here, at lint time, with a reason.
const workflowBans = {
  paths: [
    { name: 'execa', message: 'Workflow code cannot run processes: do it in an activity.' },
    { name: '@temporalio/activity', message: 'Workflow code must not import activity code.' },
  ],
  patterns: [
    {
      group: ['node:*', 'fs', 'fs/*', 'child_process', 'os', 'path', 'net', 'crypto', 'http', 'https'],
      message: 'Workflow code must stay deterministic: no node built-ins (use an activity).',
    },
    {
      group: ['../activities/*', '../activities'],
      allowTypeImports: true,
      message: 'Import activities with `import type` only.',
    },
  ],
};

// test/ and bench/ share helpers through kit/ (the shared test kit), never by importing each other;
// the kit imports neither, and the product imports none of the three.
/** @param {string[]} dirs folders at the repository's root @param {string} message */
const notFrom = (dirs, message) => ({ group: dirs.flatMap((d) => [`**/${d}`, `**/${d}/**`]), message });
const productOnly = notFrom(['kit', 'test', 'bench'], 'Product code must not import kit/, test/ or bench/.');
const boundaries = {
  'bench/**/*.ts': notFrom(['test'], 'bench/ must not import test/: share it through kit/.'),
  'test/**/*.ts': notFrom(['bench'], 'test/ must not import bench/: share it through kit/.'),
  'kit/**/*.ts': notFrom(
    ['test', 'bench'],
    'kit/ must not import test/ or bench/: move what it needs into kit/.',
  ),
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test/fixtures/**', 'coverage/**', '.fsto/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Activity factories return objects of methods that never use `this`, and activities
      // are async by contract even when they do not await.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts', 'common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { ...workflowBans, patterns: [...workflowBans.patterns, productOnly] },
      ],
    },
  },
  {
    files: ['activities/**/*.ts', 'client/**/*.ts', 'workers/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [productOnly] }] },
  },
  ...Object.entries(boundaries).map(([files, ban]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns: [ban] }] },
  })),
  {
    // activities/verdicts/ turns check's output into verdicts; fstests/ and results/ use it, not the
    // reverse. (One block per file set: a later no-restricted-imports replaces an earlier one.)
    files: ['activities/verdicts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            productOnly,
            {
              group: ['../fstests', '../fstests/*', '../results', '../results/*'],
              message: 'verdicts/ imports nothing from fstests/ or results/ (they import it).',
            },
          ],
        },
      ],
    },
  },
  {
    // Settings are read in one module: activities/settings.ts (fstoEnv, and the FstoVar list).
    files: ['activities/**/*.ts', 'client/**/*.ts', 'workers/**/*.ts', 'common/**/*.ts', 'workflows/**/*.ts'],
    ignores: ['activities/settings.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['name', 'value'].map((key) => ({
          selector: `MemberExpression[object.object.name='process'][object.property.name='env'][property.${key}=/^FSTO_/]`,
          message:
            "Read FSTO_* settings through activities/settings.ts (fstoEnv('FSTO_…'), listed in FstoVar).",
        })),
      ],
    },
  },
);
