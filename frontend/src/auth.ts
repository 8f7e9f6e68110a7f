import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from './api/client';
import type { Me } from './api/types';

/** The signed-in user, null when not signed in. */
export function useMe() {
  return useQuery<Me | null>({
    queryKey: ['me'],
    queryFn: async ({ signal }) => {
      try {
        return await api<Me>('/api/me', { signal, quiet401: true });
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
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
