// The "no English left in French" check of the page tests: which of the
// page's English words (I18N.en) a French text still holds, and which words
// of the English sentences (the core's and the page's) French never uses.
import { I18N } from '../../site/src/i18n.js';

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// englishPageWords returns the keys of the page's English words (I18N.en)
// found in text, a word at a time (a French word of the same letters is no match).
export function englishPageWords(text) {
  return Object.entries(I18N.en)
    .filter(([k, v]) => typeof v === 'string' && v.length > 3 && I18N.fr[k] !== v && !['lang', 'langLabel'].includes(k))
    .filter(([, v]) => new RegExp(`(?<!\\p{L})${escape(v)}(?!\\p{L})`, 'u').test(text))
    .map(([k]) => k);
}

// ENGLISH_WORDS are words of the English error sentences that French does
// not use.
const ENGLISH_WORDS = ['the', 'is', 'not', 'cannot', 'could', 'file', 'setting', 'unknown', 'range', 'binary', 'empty',
  'header', 'line', 'field', 'days', 'window', 'want', 'use', 'read', 'of', 'and', 'neither', 'nor', 'record', 'time zone'];

// englishWords returns the English words of text, once the data's own words
// (file names, values typed) are taken out.
export function englishWords(text, data = []) {
  let rest = text;
  for (const d of data) rest = rest.split(d).join(' ');
  return ENGLISH_WORDS.filter((w) => new RegExp(`(?<!\\p{L})${escape(w)}(?!\\p{L})`, 'iu').test(rest));
}
