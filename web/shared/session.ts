/**
 * The signed-in session of the dashboard or portal page. The access token lives only in this
 * module's memory; the refresh token is an HttpOnly cookie the page never sees. Refreshes are
 * serialized across tabs (Web Locks): the refresh token rotates, and two tabs presenting the
 * same one at once would look like a replay and end the session.
 */

export interface SessionUser {
  id: string;
  username: string;
  roles: string[];
}

/** A problem+json answer from Keyward. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: { path: string; message: string }[];
  constructor(
    status: number,
    code: string,
    detail: string,
    errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

/** Thrown when the session ended (refresh refused): the page shows the sign-in form again. */
export class SessionExpired extends Error {}

/** Reads an error answer into an ApiError (problem+json, or a plain status). */
export async function problemOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as {
      code?: string;
      detail?: string;
      errors?: { path: string; message: string }[];
    };
    return new ApiError(
      response.status,
      body.code ?? 'HTTP',
      body.detail ?? response.statusText,
      body.errors ?? [],
    );
  } catch {
    return new ApiError(response.status, 'HTTP', `${response.status} ${response.statusText}`);
  }
}

const CSRF = { 'x-keyward-csrf': '1' };

export class Session {
  readonly #base: string;
  #token: string | null = null;
  #expiresAt = 0;
  #refreshing: Promise<boolean> | null = null;
  user: SessionUser | null = null;
  /** The path of the API this page calls (from the server, e.g. /admin/v1). */
  apiBase = '';
  /** Called when the session ends on its own (refresh refused, sign-out elsewhere). */
  onExpired: (() => void) | null = null;

  /** `base` is the session endpoint, e.g. `session` (relative to the page). */
  constructor(base: string) {
    this.#base = base;
  }

  get signedIn(): boolean {
    return this.#token !== null;
  }

  async signIn(username: string, password: string): Promise<void> {
    const response = await fetch(this.#base, {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
      credentials: 'same-origin',
    });
    if (!response.ok) throw await problemOf(response);
    this.#accept(await response.json());
  }

  /** Gets a new access token with the cookie; false when there is no session to resume. */
  refresh(): Promise<boolean> {
    this.#refreshing ??= this.#refreshOnce().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<boolean> {
    const run = async () => {
      const response = await fetch(`${this.#base}/refresh`, {
        method: 'POST',
        headers: CSRF,
        credentials: 'same-origin',
      });
      if (!response.ok) {
        this.#clear();
        return false;
      }
      this.#accept(await response.json());
      return true;
    };
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    return locks ? locks.request(`keyward:${this.#base}`, run) : run();
  }

  async signOut(): Promise<void> {
    this.#clear();
    await fetch(`${this.#base}/logout`, { method: 'POST', headers: CSRF, credentials: 'same-origin' }).catch(
      () => {},
    );
  }

  /** A usable access token, refreshed when about to expire; throws SessionExpired when none. */
  async token(): Promise<string> {
    if (this.#token !== null && Date.now() < this.#expiresAt - 30_000) return this.#token;
    if (await this.refresh()) return this.#token as unknown as string;
    this.#expire();
    throw new SessionExpired('Your session has ended. Sign in again.');
  }

  /** Drops the token after the server refused it, and tries once to get another. */
  async renew(): Promise<string> {
    this.#token = null;
    return this.token();
  }

  #accept(body: { access_token: string; expires_in: number; user: SessionUser; api: string }): void {
    this.#token = body.access_token;
    this.apiBase = body.api;
    this.#expiresAt = Date.now() + body.expires_in * 1000;
    this.user = body.user;
  }

  #clear(): void {
    this.#token = null;
    this.user = null;
  }

  #expire(): void {
    this.#clear();
    this.onExpired?.();
  }
}
