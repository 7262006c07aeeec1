// ESLint (flat config) with typescript-eslint, run by `npm run lint` (scripts/lint/check.mjs) over src, spec,
// bench, scripts and demo. The rules are the ones that catch bugs, not style (prettier owns the layout):
// a Promise nobody awaits or handles, a Promise where a callback's return is ignored, an unused binding,
// `==`, and ESLint's own list of likely mistakes. Type-aware rules use tsconfig.spec.json, which covers all
// the TypeScript here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'temp/**',
      'docs/**',
      'projects/**',
      // compiled against the packed package by scripts/package/{types,consumers}.mjs, not part of tsconfig.spec.json
      'spec/types/**',
      'scripts/package/consumers/**',
    ],
  },
  {
    files: ['**/*.{js,cjs,mjs,ts}'],
    extends: [js.configs.recommended],
    // Directives for rules this config does not enable (no-explicit-any) stay: they document the intent.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Node scripts and specs: globals come from Node and jest; TypeScript checks names in .ts files.
      'no-undef': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { project: './tsconfig.spec.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-duplicate-type-constituents': 'error',
      '@typescript-eslint/no-require-imports': 'error',
      '@typescript-eslint/no-redeclare': 'off',
      'no-redeclare': 'off', // TypeScript overloads and merged declarations
      'no-dupe-class-members': 'off', // overloads
    },
  },
);
