// ESLint for the whole tree: typescript-eslint with type-aware rules, Prettier for the layout (its
// config turns off the rules it owns), and a line-length bound that keeps source readable.

import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'native/', 'reports/', 'test-artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // One program for every typed file (tsconfig.json covers src, test, bench): about 26 s here against 31 s with
      // projectService, which builds its programs file by file.
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  // vitest's asymmetric matchers (expect.any) are typed any by design.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-unsafe-assignment': 'off' } },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
  // After prettier's config, which turns max-len off: Prettier wraps code at 140, this catches the
  // strings and comments it cannot wrap.
  { files: ['src/**/*.ts', 'bench/**/*.ts'], rules: { 'max-len': ['error', { code: 140, ignoreUrls: true }] } },
);
