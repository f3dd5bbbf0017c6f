/** Small hooks: load data with loading and error states, run actions, and follow the location hash. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  // The caller names what the load depends on (deps); `load` itself is a new closure every render.
  useEffect(() => {
    const id = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (id !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (id !== latest.current) return;
        setError(messageOf(err));
        setLoading(false);
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** The path after `#`, e.g. `/keys/key_abc`; `/` when empty. */
export function useHashPath(): string {
  const read = () => decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const onChange = () => setPath(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return path;
}

/** Runs `tick` every `ms` while the page is visible. */
export function useInterval(tick: () => void, ms: number): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') saved.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms]);
}

export interface Action {
  /** The message of the last run's failure, or null. */
  error: string | null;
  setError: (message: string | null) => void;
  /** Whether a run is under way. */
  busy: boolean;
  /** Runs `work`; what it throws becomes `error` (cleared when a run starts). */
  run: (work: () => Promise<unknown>) => Promise<void>;
}

/** An action the page runs on a click or submit (a call to the API), with its error and busy states. */
export function useAction(): Action {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, setError, busy, run };
}
