import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { node } from './support.js';

export interface PreviousBuild {
  /** The temporary project holding that commit's build. */
  root: string;
  /** The ref as given and the commit it names, for the table. */
  label: string;
  remove: () => void;
}

/**
 * `BENCH_COMPARE_REF`: another commit's gateway, measured in the same run as this one. Its files (`git
 * archive`: nothing is written to the repository, no worktree to clean up) are unpacked into a temporary
 * folder, given this project's `node_modules` through a symlink, and built the way that commit built
 * itself (`tsc -p tsconfig.build.json`, then `scripts/copy-assets.mjs` when it has one).
 */
export function buildPreviousGateway(ref: string): PreviousBuild {
  const commit = execFileSync('git', ['rev-parse', '--verify', '--short', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
  const root = mkdtempSync(join(tmpdir(), 'qbank-bench-ref-'));
  const modules = join(root, 'node_modules');
  const remove = (): void => {
    // The link first, on its own: a recursive delete must never reach the shared install behind it.
    if (lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(modules);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const archive = execFileSync('git', ['archive', '--format=tar', commit], { maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', root], { input: archive });
    symlinkSync(realpathSync('node_modules'), modules, 'dir');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (existsSync(join(root, 'scripts/copy-assets.mjs')))
      execFileSync(node, ['scripts/copy-assets.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    remove();
    throw error;
  }
  return { root, label: ref === commit ? commit : `${ref} = ${commit}`, remove };
}
