import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { Catalogue } from './types';

export const CATALOGUE_KEY = ['catalogue'] as const;

/** The metric catalogue (readers may read it): display names, units, peaks, radar metrics. */
export function useCatalogue(enabled = true) {
  return useQuery({
    queryKey: CATALOGUE_KEY,
    queryFn: ({ signal }) => api<Catalogue>('/api/metrics/catalogue', { signal }),
    staleTime: 5 * 60_000,
    enabled,
  });
}
