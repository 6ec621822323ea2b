import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { ApiProblem, newIdempotencyKey } from '../api/client';

/**
 * One user action sent to the command API. The action keeps one Idempotency-Key until it
 * succeeds, so pressing again after a network failure repeats the same command (the API
 * answers the repeat as it did the first) instead of sending a second one. An answer (success
 * or refusal) ends the action: the next press is a new command. On success every read is
 * refetched; a refusal stays in `error` for ProblemMessage.
 */
export function useCommand<Input, Output>(send: (input: Input, idempotencyKey: string) => Promise<Output>) {
  const queries = useQueryClient();
  const key = useRef<{ input: string; key: string } | null>(null);
  return useMutation({
    mutationFn: (input: Input) => {
      const fingerprint = JSON.stringify(input);
      if (!key.current || key.current.input !== fingerprint)
        key.current = { input: fingerprint, key: newIdempotencyKey() };
      return send(input, key.current.key);
    },
    onError: (error) => {
      if (error instanceof ApiProblem) key.current = null;
    },
    onSuccess: async () => {
      key.current = null;
      await queries.invalidateQueries();
    },
  });
}
