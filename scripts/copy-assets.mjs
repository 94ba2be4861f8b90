// Copies the non-TypeScript files the compiled code reads at run time into dist/.
import { cpSync } from 'node:fs';

cpSync('libs/qbank-contract/openapi', 'dist/libs/qbank-contract/openapi', { recursive: true });
