/** A minimal cookie-keeping HTTP client for driving a running connector like a panel would. */
export class PanelClient {
  private cookie = '';
  csrf = '';

  constructor(readonly baseUrl: string) {}

  /** The same panel session sent to another instance (a load balancer without sticky sessions). */
  withBase(baseUrl: string): PanelClient {
    const other = new PanelClient(baseUrl);
    other.cookie = this.cookie;
    other.csrf = this.csrf;
    return other;
  }

  /** The session cookie's value (the signed session id). */
  get sessionCookie(): string {
    return this.cookie;
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.baseUrl}${path}`;
    const headers = new Headers(init.headers);
    if (this.cookie && url.startsWith(this.baseUrl)) headers.set('cookie', this.cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    const set = res.headers.getSetCookie();
    for (const c of set) {
      const pair = c.split(';')[0] ?? '';
      if (/Expires=Thu, 01 Jan 1970/i.test(c)) this.cookie = '';
      else this.cookie = pair;
    }
    return res;
  }

  /** Follows the whole sign-in: connector -> Google double (auto-approving) -> callback -> '/'. */
  async signIn(): Promise<void> {
    const start = await this.fetch('/auth/google');
    const google = await this.fetch(start.headers.get('location') as string);
    const callback = google.headers.get('location') as string;
    const done = await this.fetch(callback);
    if (done.headers.get('location') !== '/')
      throw new Error(`sign-in did not complete: ${done.headers.get('location')}`);
    const session = await this.json('/api/session');
    this.csrf = session.csrfToken;
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the connector answered
  async json(path: string, init: RequestInit = {}): Promise<any> {
    const res = await this.fetch(path, init);
    return res.json();
  }

  post(path: string, body?: unknown): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': this.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Polls a print job until it ends. */
  // biome-ignore lint/suspicious/noExplicitAny: the job's JSON, as GET /api/print/:jobId answers it
  async waitForJob(jobId: string, timeoutMs = 20_000): Promise<any> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.json(`/api/print/${jobId}`);
      if (['completed', 'failed', 'canceled'].includes(job.state)) return job;
      if (Date.now() > until) throw new Error(`job ${jobId} still ${job.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
