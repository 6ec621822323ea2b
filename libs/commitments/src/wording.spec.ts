import { articleFor, plural, withArticle } from './wording';

describe('plural', () => {
  it('gives one of a noun the singular and every other count the plural', () => {
    expect(plural(1, 'stream')).toBe('1 stream');
    expect(plural(0, 'stream')).toBe('0 streams');
    expect(plural(2, 'event')).toBe('2 events');
    expect(plural(-1, 'event')).toBe('-1 events');
  });

  it('takes an irregular plural and a formatted count', () => {
    expect(plural(1, 'entry', { plural: 'entries' })).toBe('1 entry');
    expect(plural(3, 'entry', { plural: 'entries' })).toBe('3 entries');
    expect(plural(12_000, 'event', { shown: '12,000' })).toBe('12,000 events');
    expect(plural(1, 'event', { shown: '1' })).toBe('1 event');
  });
});

describe('withArticle', () => {
  it('puts "an" before every role and item kind that starts with a vowel sound, "a" before the others', () => {
    const roles = ['integration', 'secretariat', 'delegate', 'auditor', 'admin'].map((r) => withArticle(`${r} key`));
    expect(roles).toEqual([
      'an integration key',
      'a secretariat key',
      'a delegate key',
      'an auditor key',
      'an admin key',
    ]);
    const kinds = ['review', 'evaluation', 'extension', 'suspension', 'resumption', 'reopening'];
    expect(kinds.map((k) => withArticle(`${k} item`))).toEqual([
      'a review item',
      'an evaluation item',
      'an extension item',
      'a suspension item',
      'a resumption item',
      'a reopening item',
    ]);
  });

  it('goes by the sound where the spelling misleads', () => {
    expect(articleFor('hour')).toBe('an');
    expect(articleFor('honest broker')).toBe('an');
    expect(articleFor('unique id')).toBe('a');
    expect(articleFor('user')).toBe('a');
    expect(articleFor('one-off')).toBe('a');
    expect(articleFor('European party')).toBe('a');
    expect(articleFor('umbrella')).toBe('an');
    expect(articleFor('idea')).toBe('an');
    expect(articleFor('hearing')).toBe('a');
  });

  it('starts a sentence with a capital', () => {
    expect(withArticle('auditor key', { capital: true })).toBe('An auditor key');
    expect(withArticle('review item', { capital: true })).toBe('A review item');
  });
});
