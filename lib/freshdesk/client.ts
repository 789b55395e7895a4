/**
 * A Freshdesk API v2 client on Node's fetch: one GET at a time, with everything a long unattended
 * sync needs and nothing else.
 *
 * - Auth: HTTP Basic `<api key>:X`. The key lives in one private field and in the Authorization
 *   header only: it is never part of a URL, a log line, an error message or a file.
 * - Time-outs: every request has its own AbortSignal.timeout; a hung connection is retried.
 * - Retries: 5xx answers, network errors and time-outs, with exponential backoff and full jitter.
 * - Rate limits: `429` waits `Retry-After` seconds and tries again. Pacing from
 *   `X-RateLimit-Remaining` / `X-RateLimit-Total` keeps 429s rare: while the remaining budget is
 *   above a reserve, calls go out at full speed (a short sync never waits); at the reserve, a call
 *   waits until the oldest of the calls the window still counts has left it (our own call
 *   `used = total - remaining` calls back, timed by its answer, plus a small margin). That is exact for a sliding
 *   window and safe for a fixed one (the oldest call of a fixed window is at or after its start),
 *   so a long sync runs at the limit instead of bumping into it.
 * - 401 (wrong key) and 403 (the plan or the key's role lacks the feature) are FreshdeskAccessError:
 *   one line saying which, never retried.
 */
import { RemoteError } from '../errors';

/** Freshdesk's rate-limit window: budgets are per minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

export interface FreshdeskClientConfig {
  /**
   * API base: `https://<domain>.freshdesk.com`, a proxy, or a test server. A trailing `/api/v2`
   * is accepted and ignored.
   */
  readonly baseUrl: string;
  /** The API key (sent as HTTP Basic `<key>:X`; never logged). */
  readonly apiKey: string;
  /** Per-request time-out. @default 30,000 ms */
  readonly timeoutMs?: number;
  /** Attempts per request for 5xx, network errors and time-outs (the first included). @default 6 */
  readonly maxAttempts?: number;
  /** Consecutive 429 answers tolerated for one request before giving up. @default 20 */
  readonly maxRateLimitedAttempts?: number;
  /** First backoff ceiling; doubles per retry (full jitter). @default 500 ms */
  readonly baseDelayMs?: number;
  /** @default 30,000 ms */
  readonly maxDelayMs?: number;
  /**
   * The window X-RateLimit-Total counts over. Only tests and benchmarks that scale time down
   * change it. @default RATE_LIMIT_WINDOW_MS (one minute)
   */
  readonly rateLimitWindowMs?: number;
  /**
   * Remaining budget (as a share of the total) below which calls are paced.
   * @default 0.1
   */
  readonly paceBelowShare?: number;
  /** Wait for a 429 without Retry-After. @default one rate-limit window */
  readonly defaultRetryAfterMs?: number;
  /** Stops waits and requests (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** For tests. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** What the client did so far (the sync's summary and progress read it). */
export interface ClientStats {
  /** HTTP requests sent (retries included). */
  calls: number;
  /** Requests repeated after a 5xx, a network error or a time-out. */
  retries: number;
  /** 429 answers. */
  rateLimited: number;
  /** Time spent waiting on the rate limit (pacing and Retry-After), ms. */
  rateLimitWaitMs: number;
  /** The last X-RateLimit-Remaining / X-RateLimit-Total seen. */
  rateLimitRemaining?: number;
  rateLimitTotal?: number;
}

export interface FreshdeskResponse<T> {
  readonly status: number;
  readonly body: T;
  /** The URL of `Link: <...>; rel="next"`, when the API says more may follow. */
  readonly nextPage?: string;
}

/** Query parameters; undefined values are left out. */
export type QueryParams = Readonly<Record<string, string | number | undefined>>;

/** The key is wrong (401) or the plan or role lacks what was asked for (403). */
export class FreshdeskAccessError extends RemoteError {
  constructor(
    readonly status: 401 | 403,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Freshdesk answered with an error that retrying does not fix, or retries ran out. */
export class FreshdeskApiError extends RemoteError {
  constructor(
    readonly status: number | undefined,
    readonly path: string,
    /** errors[0].message or description of the answer, when there is one. */
    readonly apiMessage: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** `https://acme.freshdesk.com` for `acme` (a full host is accepted too). */
export function domainBaseUrl(domain: string): string {
  const name = domain.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^[A-Za-z0-9-]+(\.freshdesk\.com)?$/.test(name)) {
    throw new RemoteError(`"${domain}" is not a Freshdesk domain: pass the <name> of https://<name>.freshdesk.com, or --url <base-url>.`);
  }
  return `https://${name.endsWith('.freshdesk.com') ? name : `${name}.freshdesk.com`}`;
}

function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new RemoteError(`"${baseUrl}" is not a URL: pass e.g. --url https://acme.freshdesk.com or --domain acme.`);
  }
  if (url.username || url.password) throw new RemoteError('Put the API key in FRESHDESK_API_KEY or --api-key-file, not in the URL.');
  return url.toString().replace(/\/+$/, '').replace(/\/api\/v2$/, '');
}

/** Parses `Link: <url>; rel="next"`. */
export function nextPageLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Retry-After in seconds (the form Freshdesk sends) or as an HTTP date. */
function retryAfterMs(headers: Headers, now: number): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function apiMessageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { errors?: { message?: unknown; field?: unknown }[]; message?: unknown; description?: unknown };
  const first = Array.isArray(b.errors) ? b.errors[0] : undefined;
  if (first && typeof first.message === 'string') return first.message;
  if (typeof b.message === 'string') return b.message;
  if (typeof b.description === 'string') return b.description;
  return undefined;
}

function isRetryableNetworkError(error: unknown): boolean {
  // fetch rejects with TypeError("fetch failed") for refused/reset connections, and with a
  // TimeoutError DOMException when our per-request AbortSignal.timeout fires.
  const e = error as { name?: string };
  return e?.name === 'TypeError' || e?.name === 'TimeoutError';
}

export class FreshdeskClient {
  readonly stats: ClientStats = { calls: 0, retries: 0, rateLimited: 0, rateLimitWaitMs: 0 };
  readonly baseUrl: string;
  readonly #authorization: string;
  private readonly config: FreshdeskClientConfig;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly windowMs: number;
  private lastCallStartedAt = -Infinity;
  /** Credits the last call cost (X-RateLimit-Used-CurrentRequest). */
  private lastCallCost = 1;
  /**
   * When our recent calls were answered (as many as a window can count), oldest first. The
   * answer's time, not the request's: the server counted the call somewhere in between, and only
   * the later bound is safe to count a window from.
   */
  private readonly recentCalls: number[] = [];

  constructor(config: FreshdeskClientConfig) {
    if (!config.apiKey || /[\r\n:]/.test(config.apiKey)) {
      throw new RemoteError('The Freshdesk API key is empty or malformed: set FRESHDESK_API_KEY or pass --api-key-file <path> (Profile settings > Your API key).');
    }
    this.config = config;
    this.baseUrl = normalizeBaseUrl(config.baseUrl);
    this.#authorization = `Basic ${Buffer.from(`${config.apiKey}:X`).toString('base64')}`;
    this.fetchImpl = config.fetch ?? fetch;
    this.sleep = config.sleep ?? defaultSleep;
    this.random = config.random ?? Math.random;
    this.now = config.now ?? Date.now;
    this.windowMs = config.rateLimitWindowMs ?? RATE_LIMIT_WINDOW_MS;
  }

  /** Never show the key when the client is logged or inspected. */
  toJSON(): object {
    return { baseUrl: this.baseUrl };
  }

  /**
   * GET `/api/v2/<path>` with query parameters, or an absolute URL on the same host (a Link header).
   * @throws FreshdeskAccessError on 401/403, FreshdeskApiError on other errors or when retries run out
   */
  async get<T>(path: string, query: QueryParams = {}): Promise<FreshdeskResponse<T>> {
    const url = this.urlFor(path, query);
    const shownPath = `${url.pathname}${url.search}`;
    let failures = 0;
    let rateLimitedInARow = 0;
    const maxAttempts = this.config.maxAttempts ?? 6;
    const maxRateLimited = this.config.maxRateLimitedAttempts ?? 20;
    for (;;) {
      await this.pace();
      this.throwIfAborted();
      this.lastCallStartedAt = this.now();
      this.stats.calls++;
      let response: Response;
      let body: unknown;
      try {
        const timeout = AbortSignal.timeout(this.config.timeoutMs ?? 30_000);
        const signal = this.config.signal ? AbortSignal.any([this.config.signal, timeout]) : timeout;
        response = await this.fetchImpl(url, { headers: { Authorization: this.#authorization, Accept: 'application/json' }, signal });
        const text = await response.text();
        body = text.length > 0 ? safeJson(text) : undefined;
      } catch (error) {
        this.noteCall();
        this.throwIfAborted();
        if (!isRetryableNetworkError(error)) throw error;
        failures++;
        if (failures >= maxAttempts) {
          const why = (error as Error).name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs ?? 30_000} ms` : 'network error';
          throw new FreshdeskApiError(undefined, url.pathname, undefined, `Freshdesk GET ${url.pathname}: ${why} after ${failures} attempts; check --url/--domain and the network, then run the same command again.`, { cause: error });
        }
        await this.backoff(failures);
        continue;
      }
      this.noteCall();
      this.noteRateLimit(response.headers);
      if (response.ok) {
        return { status: response.status, body: body as T, nextPage: nextPageLink(response.headers.get('link')) };
      }
      if (response.status === 429) {
        this.stats.rateLimited++;
        rateLimitedInARow++;
        if (rateLimitedInARow > maxRateLimited) {
          throw new FreshdeskApiError(429, url.pathname, apiMessageOf(body), `Freshdesk kept answering 429 (rate limit) to GET ${url.pathname} after ${maxRateLimited} waits; another client may be using the account's budget. Run the same command again later.`);
        }
        const wait = retryAfterMs(response.headers, this.now()) ?? this.config.defaultRetryAfterMs ?? this.windowMs;
        await this.waitForRateLimit(wait);
        // Retry-After covered the wait: no pacing on top of it until the next answer's headers.
        this.stats.rateLimitRemaining = undefined;
        continue;
      }
      if (response.status === 401) {
        throw new FreshdeskAccessError(401, url.pathname, `Freshdesk refused the API key (401 on GET ${url.pathname}): check FRESHDESK_API_KEY or --api-key-file (Profile settings > Your API key) and that --url/--domain is the right account.`);
      }
      if (response.status === 403) {
        throw new FreshdeskAccessError(403, url.pathname, `Freshdesk denied GET ${url.pathname} (403): the account's plan lacks this feature or the key's agent lacks the permission.`);
      }
      if (response.status >= 500) {
        failures++;
        if (failures < maxAttempts) {
          await this.backoff(failures);
          continue;
        }
        throw new FreshdeskApiError(response.status, url.pathname, apiMessageOf(body), `Freshdesk answered ${response.status} to GET ${url.pathname} ${failures} times; Freshdesk may be down (status.freshdesk.com): run the same command again later.`);
      }
      const apiMessage = apiMessageOf(body);
      throw new FreshdeskApiError(response.status, url.pathname, apiMessage, `Freshdesk answered ${response.status} to GET ${shownPath}${apiMessage ? `: ${apiMessage}` : ''}`);
    }
  }

  private urlFor(path: string, query: QueryParams): URL {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(`${this.baseUrl}/api/v2/${path.replace(/^\/+/, '')}`);
    if (url.origin !== new URL(this.baseUrl).origin) {
      // Never send the key to another host, whatever a Link header says.
      throw new FreshdeskApiError(undefined, url.pathname, undefined, `Refusing to follow a link to ${url.origin}: the API key is only sent to ${new URL(this.baseUrl).origin}.`);
    }
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    return url;
  }

  private noteCall(): void {
    this.recentCalls.push(this.now());
    if (this.recentCalls.length > Math.max(100, (this.stats.rateLimitTotal ?? 0) + 1)) this.recentCalls.shift();
  }

  private throwIfAborted(): void {
    if (this.config.signal?.aborted) throw this.config.signal.reason ?? new Error('aborted');
  }

  private noteRateLimit(headers: Headers): void {
    const remaining = headerNumber(headers, 'x-ratelimit-remaining');
    const total = headerNumber(headers, 'x-ratelimit-total');
    if (remaining !== undefined) this.stats.rateLimitRemaining = remaining;
    if (total !== undefined && total > 0) this.stats.rateLimitTotal = total;
    const cost = headerNumber(headers, 'x-ratelimit-used-currentrequest');
    if (cost !== undefined && cost >= 1) this.lastCallCost = cost;
  }

  /**
   * At or below the reserve, wait until the oldest call the window still counts has left it (see
   * the module comment); when the budget was used by others too (more calls counted than ours),
   * space calls one window/total apart. Above the reserve, no wait.
   */
  private async pace(): Promise<void> {
    const { rateLimitRemaining: remaining, rateLimitTotal: total } = this.stats;
    if (remaining === undefined || total === undefined) return;
    const reserve = Math.max(1, Math.ceil(total * (this.config.paceBelowShare ?? 0.1)));
    if (remaining > reserve) return;
    // Budgets count credits; a call can cost more than one (includes): count back in calls.
    const used = Math.ceil((total - remaining) / this.lastCallCost);
    const calls = this.recentCalls;
    // Clocks and timers are not exact to the millisecond: a small margin.
    const margin = Math.min(250, Math.max(20, this.windowMs / 200));
    const freeAt = used > 0 && used <= calls.length ? calls[calls.length - used] + this.windowMs + margin : this.lastCallStartedAt + this.windowMs / total;
    const wait = freeAt - this.now();
    if (wait > 0) await this.waitForRateLimit(wait);
  }

  private async waitForRateLimit(ms: number): Promise<void> {
    this.stats.rateLimitWaitMs += ms;
    await this.sleep(ms, this.config.signal);
  }

  private async backoff(failures: number): Promise<void> {
    this.stats.retries++;
    const ceiling = Math.min(this.config.maxDelayMs ?? 30_000, (this.config.baseDelayMs ?? 500) * 2 ** (failures - 1));
    await this.sleep(Math.floor(this.random() * ceiling), this.config.signal);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
