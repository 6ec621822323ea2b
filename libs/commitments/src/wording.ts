/**
 * The words of the messages people read (CLI output, problem details, logs), where a count
 * or a role is filled in: "1 stream" and "2 streams", "an integration key" and "a
 * secretariat key". Pure, so that the deciders' own messages use it too.
 */

/**
 * A count and its noun in the right number: `plural(1, 'stream')` is "1 stream",
 * `plural(2, 'stream')` "2 streams". `plural` names an irregular plural ("entries");
 * `shown` is the count as printed, when it is formatted ("12,000").
 */
export function plural(count: number, singular: string, options: { plural?: string; shown?: string } = {}): string {
  const noun = count === 1 ? singular : (options.plural ?? `${singular}s`);
  return `${options.shown ?? String(count)} ${noun}`;
}

/** Sounds like a vowel though it is spelt with a consonant ("an hour"). */
const SILENT_H = /^(?:hour|honest|honou?r|heir)/i;
/** Spelt with a vowel but sounds like a consonant ("a unique", "a user", "a one-off"). */
const VOWEL_AS_CONSONANT = /^(?:uni|us[eu]|ur[aeiou]|eu|ew|one\b|once\b)/i;

/** The indefinite article the phrase takes, by how its first word sounds: "an" or "a". */
export function articleFor(phrase: string): 'a' | 'an' {
  const word = phrase.trimStart();
  if (SILENT_H.test(word)) return 'an';
  return /^[aeiou]/i.test(word) && !VOWEL_AS_CONSONANT.test(word) ? 'an' : 'a';
}

/**
 * The phrase with its indefinite article: `withArticle('integration key')` is "an integration
 * key", `withArticle('review item')` "a review item"; `capital` starts a sentence ("An …").
 */
export function withArticle(phrase: string, { capital = false }: { capital?: boolean } = {}): string {
  const article = articleFor(phrase);
  return `${capital ? article[0].toUpperCase() + article.slice(1) : article} ${phrase}`;
}
