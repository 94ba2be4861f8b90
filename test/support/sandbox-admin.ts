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

/** A token of the sandbox's `gateway` client and the ids of its accounts, as QBank itself lists them. */
export async function sandboxAccounts(baseUrl: string): Promise<{ bankToken: string; accountIds: string[] }> {
  const token = (await (
    await fetch(`${baseUrl}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('gateway:sandbox-secret').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    })
  ).json()) as { access_token: string };
  const page = (await (await fetch(`${baseUrl}/accounts`, { headers: { authorization: `Bearer ${token.access_token}` } })).json()) as {
    data: { account_id: string }[];
  };
  return { bankToken: token.access_token, accountIds: page.data.map((a) => a.account_id) };
}
