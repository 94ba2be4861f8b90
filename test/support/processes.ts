import { spawn, type ChildProcess } from 'node:child_process';

/** Starts a compiled entry point of this project and waits for a line of its output that `ready` accepts. */
export async function startProcess(
  script: string,
  env: Record<string, string>,
  ready: (line: string) => boolean,
  timeoutMs = 20_000,
): Promise<{ child: ChildProcess; line: string; output: string[]; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output.join('\n')}`)), timeoutMs);
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) {
        output.push(l);
        if (ready(l)) {
          clearTimeout(timer);
          resolve(l);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output.join('\n')}`));
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, line, output, stop };
}
