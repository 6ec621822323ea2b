import { messages as agreements } from '../views/agreements/messages';
import { messages as audit } from '../views/audit/messages';
import { messages as commitments } from '../views/commitments/messages';
import { messages as sessions } from '../views/sessions/messages';
import { common, type Catalogue } from './messages';

/** Every namespace of words the console has, by name (i18n.ts loads them; messages.spec.ts checks them). */
export const NAMESPACES: Record<string, Catalogue> = { common, agreements, commitments, sessions, audit };
