import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from './auth/session';
import { ProblemMessage } from './components/problem-message';
import { usePageTitle } from './components/page-title';

export function SignIn() {
  const { t } = useTranslation();
  usePageTitle(t('signIn.title'));
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
    } catch (refused) {
      setError(refused);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="sign-in card">
      <h1>{t('signIn.title')}</h1>
      <p>{t('signIn.intro')}</p>
      <form onSubmit={submit}>
        <label htmlFor="api-key">{t('signIn.key')}</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={key}
          onChange={(event) => setKey(event.target.value)}
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? t('signIn.signingIn') : t('signIn.submit')}
        </button>
      </form>
      <ProblemMessage error={error} />
    </section>
  );
}
