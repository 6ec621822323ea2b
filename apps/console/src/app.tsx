import { useTranslation } from 'react-i18next';
import { Link, Redirect, Route, Switch } from 'wouter';
import { useSession } from './auth/session';
import { usePageTitle } from './components/page-title';
import { changeLanguage, LANGUAGES, type Language } from './i18n/i18n';
import { SignIn } from './sign-in';
import { AgreementPage } from './views/agreements/agreement-page';
import { AgreementsList } from './views/agreements/agreements-list';
import { AuditPage } from './views/audit/audit-page';
import { CommitmentPage } from './views/commitments/commitment-page';
import { CommitmentsList } from './views/commitments/commitments-list';
import { SessionPage } from './views/sessions/session-page';
import { SessionsList } from './views/sessions/sessions-list';

function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span>{t('language.label')}</span>
      <select
        value={i18n.language}
        onChange={(event) => void changeLanguage(event.target.value as Language)}
        data-testid="language"
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`language.${language}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

function NotFound() {
  const { t } = useTranslation();
  usePageTitle(t('state.notFound'));
  return <h1>{t('state.notFound')}</h1>;
}

/** The frame every view sits in: skip link, header with navigation, language and who is signed in. */
export function App() {
  const { t } = useTranslation();
  const { principal, signOut, can } = useSession();
  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="top">
        <Link href="/" className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </Link>
        {principal && (
          <nav aria-label={t('nav.label')}>
            <ul>
              <li>
                <Link href="/agreements" className={(active) => (active ? 'active' : '')}>
                  {t('nav.agreements')}
                </Link>
              </li>
              <li>
                <Link href="/commitments" className={(active) => (active ? 'active' : '')}>
                  {t('nav.commitments')}
                </Link>
              </li>
              <li>
                <Link href="/sessions" className={(active) => (active ? 'active' : '')}>
                  {t('nav.sessions')}
                </Link>
              </li>
              {can('auditor') && (
                <li>
                  <Link href="/audit" className={(active) => (active ? 'active' : '')}>
                    {t('nav.audit')}
                  </Link>
                </li>
              )}
            </ul>
          </nav>
        )}
        <div className="top-end">
          <LanguagePicker />
          {principal && (
            <div className="who">
              <span data-testid="principal">
                {t('signIn.signedInAs', { name: principal.name })} · {t(`roles.${principal.role}`)}
                {principal.party ? ` · ${principal.party}` : ''}
              </span>
              <button type="button" onClick={signOut}>
                {t('signIn.signOut')}
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {!principal ? (
          <SignIn />
        ) : (
          <Switch>
            <Route path="/">
              <Redirect to="/agreements" replace />
            </Route>
            <Route path="/agreements">
              <AgreementsList />
            </Route>
            <Route path="/agreements/:id">{(params) => <AgreementPage id={params.id} />}</Route>
            <Route path="/commitments">
              <CommitmentsList />
            </Route>
            <Route path="/commitments/:id">{(params) => <CommitmentPage id={params.id} />}</Route>
            <Route path="/sessions">
              <SessionsList />
            </Route>
            <Route path="/sessions/:id">{(params) => <SessionPage id={params.id} />}</Route>
            <Route path="/audit">
              <AuditPage />
            </Route>
            <Route>
              <NotFound />
            </Route>
          </Switch>
        )}
      </main>
    </>
  );
}
