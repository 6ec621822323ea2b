import type { DocumentBlock, DocumentLang, DocumentModel } from '../render/document-model';
import { contentHashOf, type AddendumContent, type MinutesContent } from './minutes-content';
import { formatDate, formatInstant, formatTime, minutesWording } from './wording';

/**
 * The minutes as a document in one language: the same content in French, English or Arabic,
 * with its content hash in every page's footer. Titles and notes are quoted as the parties
 * wrote them; only accord's own words are translated.
 */
export function minutesDocument(content: MinutesContent, lang: DocumentLang): DocumentModel {
  const w = minutesWording[lang];
  const hash = contentHashOf(content);
  const partyName = (code: string) => content.agreement.parties.find((p) => p.code === code)?.name ?? code;
  const named = (codes: readonly string[]) =>
    codes.length === 0 ? w.none : codes.map((code) => `${partyName(code)} (${code})`).join(', ');
  const itemTitle = (n: number) => content.agenda[n - 1]?.title ?? w.item(n);

  const blocks: DocumentBlock[] = [];
  if (content.status !== 'closed') blocks.push({ kind: 'paragraph', text: w.draft, tone: 'strong' });
  blocks.push({
    kind: 'fields',
    rows: [
      { label: w.fields.agreement, value: content.agreement.title },
      {
        label: w.fields.signed,
        value: w.signedAt(formatDate(content.agreement.signedAt, lang), content.agreement.signedIn),
      },
      { label: w.fields.parties, value: named(content.agreement.parties.map((p) => p.code)) },
      { label: w.fields.date, value: formatInstant(content.scheduledFor, lang) },
      { label: w.fields.venue, value: content.venue },
      { label: w.fields.present, value: content.openedAt === null ? w.notYet : named(content.present) },
      { label: w.fields.absent, value: content.openedAt === null ? w.notYet : named(content.absent) },
      { label: w.fields.opened, value: content.openedAt === null ? w.notYet : formatInstant(content.openedAt, lang) },
      { label: w.fields.closed, value: content.closedAt === null ? w.notYet : formatInstant(content.closedAt, lang) },
      { label: w.fields.status, value: w.statuses[content.status] },
    ],
  });

  blocks.push({ kind: 'heading', level: 2, text: w.agenda });
  blocks.push({
    kind: 'table',
    columns: [
      { label: w.agendaColumns[0], width: 0.08, align: 'end' },
      { label: w.agendaColumns[1], width: 0.46 },
      { label: w.agendaColumns[2], width: 0.2 },
      { label: w.agendaColumns[3], width: 0.26 },
    ],
    rows: content.agenda.map((item) => [
      String(item.number),
      item.title,
      item.domain,
      item.proposedDueDate === null
        ? w.kinds[item.kind]
        : `${w.kinds[item.kind]} (${w.proposedDueDate(formatDate(item.proposedDueDate, lang))})`,
    ]),
  });

  // One line per statement, in the order recorded: a list reads back from the PDF in that order,
  // where a table's wrapped cells would not.
  blocks.push({ kind: 'heading', level: 2, text: w.proceedings });
  if (content.proceedings.length === 0) {
    blocks.push({ kind: 'paragraph', text: w.noProceedings, tone: 'muted' });
  } else {
    blocks.push({
      kind: 'list',
      ordered: false,
      items: content.proceedings.map((p) => {
        const when = `${formatTime(p.at)} · ${w.item(p.item)}`;
        if (p.type === 'position') {
          const said =
            p.replaces === null
              ? w.position(w.positions[p.position])
              : w.changed(w.positions[p.replaces], w.positions[p.position]);
          return `${when} · ${partyName(p.party)}: ${p.note === null ? said : `${said}; ${w.note(p.note)}`}`;
        }
        if (p.type === 'decision') {
          const notes = p.notes.map((n) => `${partyName(n.party)}: ${w.note(n.note)}`);
          const due = p.proposedDueDate === null ? [] : [w.proposedDueDate(formatDate(p.proposedDueDate, lang))];
          return `${when} · ${[w.decided(w.positions[p.outcome]), ...due, ...notes].join('; ')}`;
        }
        return `${when} · ${w.deferral}`;
      }),
    });
  }

  const decisions = content.proceedings.filter((p) => p.type === 'decision');
  blocks.push({ kind: 'heading', level: 2, text: w.decisions });
  if (decisions.length === 0) blocks.push({ kind: 'paragraph', text: w.noDecision, tone: 'muted' });
  else {
    blocks.push({
      kind: 'table',
      columns: [
        { label: w.decisionColumns[0], width: 0.12 },
        { label: w.decisionColumns[1], width: 0.53 },
        { label: w.decisionColumns[2], width: 0.35 },
      ],
      rows: decisions.map((d) => [w.item(d.item), itemTitle(d.item), w.positions[d.outcome]]),
    });
  }
  const deferrals = content.proceedings.filter((p) => p.type === 'deferral');
  blocks.push({ kind: 'heading', level: 2, text: w.deferred });
  blocks.push(
    deferrals.length === 0
      ? { kind: 'paragraph', text: w.noDeferral, tone: 'muted' }
      : { kind: 'list', ordered: false, items: deferrals.map((d) => `${w.item(d.item)}: ${itemTitle(d.item)}`) },
  );
  if (content.documents.length > 0) {
    blocks.push({ kind: 'heading', level: 2, text: w.documents });
    blocks.push({
      kind: 'list',
      ordered: false,
      items: content.documents.map((d) => `${d.title} (${d.mediaType}, ${d.size} B) · SHA-256 ${d.sha256}`),
    });
  }
  blocks.push({ kind: 'paragraph', text: `${w.hash}: ${hash}`, tone: 'muted' });
  blocks.push({ kind: 'paragraph', text: w.verify, tone: 'muted' });

  return {
    kind: 'minutes',
    lang,
    title: w.title,
    subtitle: `${content.agreement.title} — ${formatDate(content.scheduledFor, lang)}, ${content.venue}`,
    date: content.closedAt ?? content.openedAt ?? content.scheduledFor,
    dateText: formatDate(content.closedAt ?? content.openedAt ?? content.scheduledFor, lang),
    contentHash: hash,
    blocks,
  };
}

export function addendumDocument(content: AddendumContent, lang: DocumentLang): DocumentModel {
  const w = minutesWording[lang];
  const hash = contentHashOf(content);
  return {
    kind: 'minutes-addendum',
    lang,
    title: w.addendumTitle(content.document),
    subtitle: `${content.agreement.title} — ${formatDate(content.scheduledFor, lang)}, ${content.venue}`,
    date: content.recordedAt,
    dateText: formatDate(content.recordedAt, lang),
    contentHash: hash,
    blocks: [
      {
        kind: 'fields',
        rows: [
          { label: w.fields.agreement, value: content.agreement.title },
          { label: w.fields.date, value: formatInstant(content.scheduledFor, lang) },
          { label: w.fields.venue, value: content.venue },
          { label: w.fields.corrects, value: content.corrects },
          { label: w.fields.recorded, value: formatInstant(content.recordedAt, lang) },
        ],
      },
      { kind: 'heading', level: 2, text: w.text },
      ...content.text
        .split(/\n{2,}/)
        .filter((paragraph) => paragraph.trim() !== '')
        .map((text): DocumentBlock => ({ kind: 'paragraph', text })),
      { kind: 'paragraph', text: `${w.hash}: ${hash}`, tone: 'muted' },
      { kind: 'paragraph', text: w.verify, tone: 'muted' },
    ],
  };
}
