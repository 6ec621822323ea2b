import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, setApiKey, unwrap, type Schemas } from '../api/client';

export type Principal = Schemas['PrincipalDto'];
export type Role = Principal['role'];

/** The key lives in sessionStorage only: gone when the tab closes, never in a URL or localStorage. */
const STORAGE_KEY = 'accord.apiKey';

interface Session {
  readonly principal: Principal | null;
  signIn(key: string): Promise<Principal>;
  signOut(): void;
  /** Whether the signed-in key may do what these roles may (admin may do everything). */
  can(...roles: Role[]): boolean;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The principal of a key kept from earlier in this tab, checked again before use. */
export async function restoreSession(): Promise<Principal | null> {
  const key = sessionStorage.getItem(STORAGE_KEY);
  if (!key) return null;
  setApiKey(key);
  try {
    return await unwrap(api.GET('/me'));
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    setApiKey(null);
    return null;
  }
}

export function SessionProvider({ initial, children }: { initial: Principal | null; children: ReactNode }) {
  const [principal, setPrincipal] = useState<Principal | null>(initial);
  const queries = useQueryClient();
  const signIn = useCallback(async (key: string) => {
    setApiKey(key);
    try {
      const me = await unwrap(api.GET('/me'));
      sessionStorage.setItem(STORAGE_KEY, key);
      setPrincipal(me);
      return me;
    } catch (error) {
      setApiKey(null);
      throw error;
    }
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setApiKey(null);
    queries.clear();
    setPrincipal(null);
  }, [queries]);
  const value = useMemo<Session>(
    () => ({
      principal,
      signIn,
      signOut,
      can: (...roles) => !!principal && (principal.role === 'admin' || roles.includes(principal.role)),
    }),
    [principal, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
