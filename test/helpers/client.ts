// A small browser stand-in over real HTTP: keeps cookies, reads the CSRF token from
// the last page, never follows redirects by itself (tests look at each hop).
import { Agent, type Headers, fetch } from 'undici';

export interface Reply {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
}

export class TestClient {
  cookies = new Map<string, string>();
  lastPage = '';

  constructor(
    readonly baseUrl: string,
    private readonly options: { localAddress?: string; userAgent?: string; headers?: Record<string, string> } = {},
  ) {}

  async get(path: string): Promise<Reply> {
    return this.send('GET', path);
  }

  /** Posts a form. The CSRF token is the one on the last page fetched, unless `_csrf` is given. */
  async post(path: string, fields: Record<string, string | string[]>, options: { csrf?: boolean } = {}): Promise<Reply> {
    const form = new URLSearchParams();
    const token = this.csrfToken();
    if ((options.csrf ?? true) && token && fields._csrf === undefined) form.append('_csrf', token);
    for (const [key, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) form.append(key, v);
    return this.send('POST', path, form.toString(), 'application/x-www-form-urlencoded');
  }

  async sendRaw(method: string, path: string, body: string, contentType: string): Promise<Reply> {
    return this.send(method, path, body, contentType);
  }

  /** The same browser (cookies and last page) talking to another node of the cluster. */
  on(baseUrl: string): TestClient {
    const other = new TestClient(baseUrl, this.options);
    other.cookies = this.cookies;
    other.lastPage = this.lastPage;
    return other;
  }

  csrfToken(): string | undefined {
    return /name="_csrf" value="([^"]+)"/.exec(this.lastPage)?.[1];
  }

  /** Follows a redirect chain with GETs, as a browser would. */
  async follow(reply: Reply, maxHops = 5): Promise<Reply> {
    let current = reply;
    for (let hop = 0; hop < maxHops && current.location; hop++) current = await this.get(current.location);
    return current;
  }

  private dispatcher: Agent | undefined;

  private async send(method: string, path: string, body?: string, contentType?: string): Promise<Reply> {
    if (this.options.localAddress && !this.dispatcher) this.dispatcher = new Agent({ localAddress: this.options.localAddress });
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'TwofoldTest/1.0 (X11; Linux x86_64) Chrome/156.0', ...this.options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (contentType) headers['content-type'] = contentType;
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...rest] = pair!.split('=');
      const value = rest.join('=');
      const expired = attributes.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    const text = await response.text();
    if ((response.headers.get('content-type') ?? '').includes('text/html')) this.lastPage = text;
    return { status: response.status, location: response.headers.get('location'), body: text, headers: response.headers };
  }
}

/** The text of the page's alert, if any: what the person reads. */
export function alertText(html: string): string | undefined {
  const match = /role="alert"[^>]*>([^<]*)</.exec(html);
  return match?.[1];
}
