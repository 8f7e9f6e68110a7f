import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api/client';
import type { Me } from './api/types';

/** The signed-in user, null when not signed in. Asked through /api/session, which answers 200 either way: /api/me's
 * 401 when signed out is expected but Chromium logs every 4xx as a console error. */
export function useMe() {
  return useQuery<Me | null>({
    queryKey: ['me'],
    queryFn: async ({ signal }) => {
      const session = await api<{ signedIn: boolean; user: Me | null }>('/api/session', { signal, quiet401: true });
      return session.signedIn ? session.user : null;
    },
    staleTime: 60_000,
  });
}

export const hasRole = (me: Me | null | undefined, role: string) => !!me?.roles?.includes(role);
export const isAdmin = (me: Me | null | undefined) => hasRole(me, 'admin');
/** May use the UI at all: readers (user) and admins. */
export const mayRead = (me: Me | null | undefined) => hasRole(me, 'user') || hasRole(me, 'admin');

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; password: string }) =>
      api<Me>('/api/login', { method: 'POST', body, quiet401: true }),
    onSuccess: (me) => {
      qc.clear();
      qc.setQueryData(['me'], me);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('/api/logout', { method: 'POST', quiet401: true }),
    onSettled: () => {
      qc.clear();
      qc.setQueryData(['me'], null);
    },
  });
}
