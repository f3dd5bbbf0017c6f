/**
 * JSON requests with the session's access token. A 401 gets one retry with a fresh token;
 * when the session cannot be renewed, SessionExpired brings back the sign-in page.
 */
import { ApiError, problemOf, type Session } from './session';

export type Api = <T>(method: string, url: string, body?: unknown) => Promise<T>;

/** Makes the request function for a session; URLs are relative to the session's API base. */
export function createApi(session: Session): Api {
  return async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
    const send = (token: string) =>
      fetch(`${session.apiBase}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let response = await send(await session.token());
    if (response.status === 401) response = await send(await session.renew());
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  };
}

/** A one-line message for an error, with field errors when the server named them. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.errors.map((e) => `${e.path.replace(/^(body|query)\./, '')}: ${e.message}`);
    return fields.length > 0 ? `${error.message} ${fields.join('; ')}` : error.message;
  }
  if (error instanceof TypeError) return 'Keyward could not be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}
