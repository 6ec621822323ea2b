import type {
  AddAgendaItem,
  ApproveMinutes,
  AttachSessionDocument,
  ScheduleSession,
  SessionCommand,
} from '@accord/committee';
import { Command } from '@nestjs/cqrs';
import type { CommandMeta, CommandOutcome } from '../pipeline/command-runner';

/**
 * A session command before the handler has read what it needs: the agreement a session is
 * scheduled under, the commitment an agenda item is about, the minutes' content hashes.
 */
export type SessionCommandInput =
  | (Omit<ScheduleSession, 'data'> & { data: Omit<ScheduleSession['data'], 'agreement'> })
  | (Omit<AddAgendaItem, 'data'> & { data: Omit<AddAgendaItem['data'], 'commitment'> })
  | (Omit<ApproveMinutes, 'data'> & { data: Omit<ApproveMinutes['data'], 'documents'> })
  | (Omit<AttachSessionDocument, 'data'> & { data: Omit<AttachSessionDocument['data'], 'size' | 'mediaType'> })
  | Exclude<SessionCommand, ScheduleSession | AddAgendaItem | ApproveMinutes | AttachSessionDocument>;

/** The bus routes by class: one message class carries every session command. */
export class SessionCommandMessage extends Command<CommandOutcome> {
  constructor(
    readonly command: SessionCommandInput,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}
