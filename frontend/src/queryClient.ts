import { QueryClient } from '@tanstack/react-query';
import { ApiError, setUnauthorizedHandler } from './api/client';

export function createQueryClient(): QueryClient {
  const client = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // Client errors (400, 401, 403, 404) won't change on retry; server and network errors get one more try.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 1,
      },
    },
  });
  // Any 401 means the session is gone: forget who we were, the route guard sends to /login.
  setUnauthorizedHandler(() => client.setQueryData(['me'], null));
  return client;
}
