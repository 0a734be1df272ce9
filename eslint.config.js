// Lint: typescript-eslint's recommended rules over src/, test/ and bench/ (syntax-level, no type
// information, so it stays quick on two cores); `any` is refused in the library.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'clis/**', 'native/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Input validation looks for control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {files: ['src/lib/**/*.ts'], rules: {'@typescript-eslint/no-explicit-any': 'error'}},
  // Log-line assertions spell out the column padding.
  {files: ['test/**/*.ts', 'bench/**/*.ts'], rules: {'@typescript-eslint/no-explicit-any': 'off', 'no-regex-spaces': 'off'}},
  // CommonJS on purpose: the bin shims and the bundle loader they call (src/cli/load-bundle.cts says why).
  {files: ['bin/*.js', '**/*.cts'], rules: {'@typescript-eslint/no-require-imports': 'off'}},
  {files: ['bin/*.js'], languageOptions: {sourceType: 'commonjs', globals: {require: 'readonly', __filename: 'readonly'}}},
  {files: ['**/*.js', '**/*.mjs'], languageOptions: {globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', performance: 'readonly'}}},
)
