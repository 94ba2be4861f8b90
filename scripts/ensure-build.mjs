// Builds once when dist/ is missing, so that `npm run token` works on a fresh clone without a rebuild every time.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('dist/src/cli/token.js')) execSync('npm run --silent build', { stdio: ['ignore', 'ignore', 'inherit'] });
