import {
  addendumContent,
  addendumNumbers,
  contentHashOf,
  documentStandings,
  minutesContent,
  readMinutesSources,
  type DocumentStanding,
  type MinutesSources,
} from '@accord/documents';
import type { EventStore } from '@accord/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ProblemException } from '../http/problem';
import type { AddendumViewDto, MinutesViewDto } from './minutes.dto';

/** The minutes of a session and their addenda, drawn from the event store at each read. */
@Injectable()
export class MinutesService {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async sources(sessionId: string): Promise<MinutesSources> {
    const sources = await readMinutesSources(this.store, sessionId);
    if (sources === null) throw new ProblemException(404, 'NOT_FOUND', `Session ${sessionId} was never scheduled`);
    return sources;
  }

  view(sessionId: string, sources: MinutesSources): MinutesViewDto {
    const content = minutesContent(sources);
    const parties = content.agreement.parties.map((p) => p.code);
    const standings = documentStandings(sources.session);
    const addenda = addendumNumbers(sources.session).map((n): AddendumViewDto => {
      const addendum = addendumContent(sources, n);
      return {
        document: n,
        content: addendum as unknown as Record<string, unknown>,
        ...standing(
          standings.find((s) => s.document === n),
          contentHashOf(addendum),
          parties,
          false,
        ),
      };
    });
    return {
      sessionId,
      content: content as unknown as Record<string, unknown>,
      ...standing(
        standings.find((s) => s.document === 0),
        contentHashOf(content),
        parties,
        content.status !== 'closed',
      ),
      addenda,
    };
  }

  addendum(sources: MinutesSources, document: number) {
    if (!addendumNumbers(sources.session).includes(document)) {
      throw new ProblemException(404, 'NOT_FOUND', `The minutes have no addendum ${document}`);
    }
    return addendumContent(sources, document);
  }
}

function standing(
  found: DocumentStanding | undefined,
  contentHash: string,
  parties: readonly string[],
  draft: boolean,
) {
  const approvals = found?.approvals ?? [];
  return {
    status: draft ? ('draft' as const) : found?.adoptedAt ? ('adopted' as const) : ('awaiting-approval' as const),
    contentHash,
    approvals: approvals.map((a) => ({ ...a })),
    awaiting: draft || found?.adoptedAt ? [] : parties.filter((p) => !approvals.some((a) => a.party === p)),
    adoptedAt: found?.adoptedAt ?? null,
  };
}
