import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * A configuration folder for `CONFIG_DIR`: the shipped `config/`, with each named file's parsed content
 * changed by its edit (or replaced, given an object).
 */
export function configDir(edits: Record<string, object | ((current: any) => void)>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-config-'));
  cpSync('config', dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    if (typeof edit === 'function') {
      const current = parse(readFileSync(path, 'utf8')) as unknown;
      edit(current);
      writeFileSync(path, stringify(current));
    } else writeFileSync(path, stringify(edit));
  }
  return dir;
}
