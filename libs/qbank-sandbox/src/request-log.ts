export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  status: number;
  request_id: string;
  idempotency_key: string | null;
  client_id: string | null;
}

const REQUEST_LOG_SIZE = 5000;

/** The recent QBank requests the sandbox answered (`GET /sandbox/requests`). */
export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    // Trimmed in halves, not per request: keeps between REQUEST_LOG_SIZE and twice that, cheaply.
    if (this.entries.length >= 2 * REQUEST_LOG_SIZE) this.entries.splice(0, REQUEST_LOG_SIZE);
  }

  list(path?: string): RequestLogEntry[] {
    return path === undefined ? this.entries : this.entries.filter((r) => r.path === path);
  }
}
