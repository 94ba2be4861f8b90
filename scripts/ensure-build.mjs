// Builds once when the compiled script is missing, so that `npm run token` and the audit commands work on a
// fresh clone without a rebuild every time.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';

const script = process.argv[2] ?? 'dist/src/cli/token.js';
if (!existsSync(script)) execSync('npm run --silent build', { stdio: ['ignore', 'ignore', 'inherit'] });
