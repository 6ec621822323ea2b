import { useTranslation } from 'react-i18next';
import { ApiProblem } from '../api/client';

/** A refusal as the API said it: its message (detail), its code, and each field's messages. */
export function ProblemMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const problem = error instanceof ApiProblem ? error.problem : null;
  const message = problem ? (problem.detail ?? problem.title) : String((error as Error)?.message ?? error);
  return (
    <div className="problem" role="alert" data-testid="problem">
      <p>{t('state.refused', { message })}</p>
      {problem && (
        <p className="problem-code">
          {t('state.code')}: <code>{problem.code}</code> ({problem.status})
        </p>
      )}
      {problem?.errors && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.messages.join('; ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
