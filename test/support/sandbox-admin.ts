/** Small helpers for the sandbox's admin routes (`/sandbox/...`), over real HTTP. */
export async function admin<T = Record<string, unknown>>(sandboxUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandboxUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export const tokenRequests = async (sandboxUrl: string): Promise<number> =>
  (await admin<{ token_requests: number }>(sandboxUrl, 'GET', '/sandbox/stats')).token_requests;
